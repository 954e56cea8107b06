using Gipo.Core;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Core.Algorithm.Objective;
using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Model.Learning;

// Steps 5 and 6 (§D.1): ℓprox by mode (§A.4), then PPO epochs over shuffled minibatches of whole groups (§A.5): per
// minibatch a forward with grad, the policy loss (reshaped first by Clip-Cov / KL-Cov / Forking), the entropy term,
// ζ·L_IB for the ablation, backward, gradient clipping and one AdamW step.
public sealed partial class GipoLearner
{
    private PpoUpdate PpoMinibatches(LearnerRows rows, int[][] stepIndex, TokenBucketIds buckets, ProximalStatistics prox, Tensor advantages,
        EntropyCoefficients coefficients)
    {
        var proxLogp = settings.Prox switch
        {
            ProxMode.Recompute => prox.Logp,
            ProxMode.Behave => rows.BehaviourLogp,
            _ => prox.Logp, // loglinear needs ℓθ: resolved per minibatch below
        };

        policy.train();
        var backprop = Ib is not null && settings.Ib.BackpropToPolicy;
        var lossMetrics = new List<PolicyLossMetrics>();
        var ibPolicyLosses = new List<double>();
        double entropyTerm = 0, gradNorm = 0;
        double? entropyGradShare = null;
        long covSelected = 0;
        var minibatchIndex = 0;
        var shuffle = new Random(StepSeed(Seed, Step));
        for (var epoch = 0; epoch < settings.PpoEpochs; epoch++)
        {
            foreach (var mb in Minibatches(rows, shuffle))
            {
                using var mbScope = NewDisposeScope();
                var index = tensor(mb.Select(i => (long)i).ToArray(), device: policy.Device);
                var (logits, hidden) = Forward(policy, rows, index);
                var (logpTheta, entropyTheta) = TokenStats(logits, rows, index);
                var mask = rows.Mask.index_select(0, index);
                var behaviour = rows.BehaviourLogp.index_select(0, index);
                // loglinear: π_prox is this step's starting policy (v^prox = PolicyVersion) and π_θ the one being
                // optimised, which becomes v^prox + 1 (AReaL's convention); equal versions would make α = 1 and ρ ≡ 1.
                var proxMb = settings.Prox == ProxMode.LogLinear
                    ? PolicyLoss.ProxLogProbs(ProxMode.LogLinear, behaviour, logpTheta.detach(), null,
                        new ProxVersions(mb.Select(i => rows.Trajectories[i].BehaviourVersion).ToArray(), PolicyVersion, PolicyVersion + 1))
                    : proxLogp.index_select(0, index);
                var inputs = new PolicyLossInputs(logpTheta, proxMb, behaviour, advantages.index_select(0, index), mask,
                    prox.RefLogp?.index_select(0, index));

                var pg = regularizer.ShapesTokenLoss
                    ? ShapedPolicyLoss(inputs, entropyTheta, minibatchIndex, ref covSelected)
                    : PolicyLoss.Compute(inputs, settings.Loss);
                var mbGroups = mb.Select(i => rows.GroupIds[i]).ToArray();
                var weights = regularizer.NeedsScheduler ? GroupSequentialEntropy.Weights(buckets.SelectRows(mb), mbGroups) : null;
                var term = regularizer.LossTerm(entropyTheta, mask, weights, coefficients);
                var loss = pg.Loss.add(term, ConstantScalars.One);
                if (backprop)
                {
                    // Added even at ζ = 0, where it contributes exact zeros: the ablation's wiring is then provably inert.
                    var ib = IbPolicyLoss(hidden, mb, rows, stepIndex, prox.Features!);
                    using var zeta = settings.Ib.BackpropCoefficient.ToScalar();
                    loss = loss.add(ib, zeta);
                    ibPolicyLosses.Add(ib.item<float>());
                }

                // entropy_grad_share = ‖∇θ L_B‖ / ‖∇θ L‖ on the first minibatch only (it costs a backward through the trunk):
                // L_B's gradient alone by an extra autograd.grad pass, the total as ClipGradNorm's norm before clipping.
                var entropyGradNorm = minibatchIndex == 0 ? GradientNorm(term) : 0;
                Optimizer.LearningRate = settings.LearningRateAt(Step);
                Optimizer.ZeroGrad();
                loss.backward();
                gradNorm = Optimizer.ClipGradNorm(settings.GradClip);
                if (minibatchIndex == 0 && gradNorm > 0) entropyGradShare = entropyGradNorm / gradNorm;
                Optimizer.StepOnce();
                lossMetrics.Add(pg.Metrics);
                entropyTerm += term.item<float>();
                minibatchIndex++;
            }
        }
        return new PpoUpdate(Average(lossMetrics), entropyTerm / Math.Max(1, minibatchIndex), gradNorm, entropyGradShare, covSelected,
            ibPolicyLosses.Count > 0 ? ibPolicyLosses.Average() : null);
    }

    /// <summary>
    /// The System.Random seed of learner step <paramref name="step"/>'s minibatch order: SplitMix64 of (seed, step), so
    /// it is the same in every process (unlike <see cref="HashCode.Combine{T1, T2}"/>) and needs no persisted state.
    /// </summary>
    internal static int StepSeed(long seed, long step) =>
        (int)(Sampling.CounterRandom.Next(unchecked((ulong)seed ^ ShuffleStream), unchecked((ulong)step)) & int.MaxValue);

    // Separates the minibatch-order stream from the other uses of CounterRandom with the same seed ("shuffle").
    private const ulong ShuffleStream = 0x73687566666C6500UL;

    /// <summary>
    /// L_IB (§C.4) of the minibatch's states with LN(h) from the θ forward, attached (ib.backprop_to_policy, §C.9): the
    /// gradient reaches the trunk through h only. The confidence and position columns are the π_prox ones, constants
    /// here, as in the features the probe trains on.
    /// </summary>
    private Tensor IbPolicyLoss(Tensor hidden, int[] minibatch, LearnerRows rows, int[][] stepIndex, IReadOnlyList<StepFeatures> proxFeatures)
    {
        var width = hidden.shape[1];
        var positions = minibatch.Select(n => StatePositions(rows, stepIndex, n)).ToArray();
        var flat = positions.SelectMany((p, j) => p.Select(x => j * width + x)).ToArray();
        var states = ConfidenceFeatures.LayerNormHidden(hidden.reshape(-1, hidden.shape[2]).index_select(0, tensor(flat, device: hidden.device)));
        var trajectories = new List<StepFeatures>(minibatch.Length);
        long offset = 0;
        for (var j = 0; j < minibatch.Length; offset += positions[j].Length, j++)
        {
            // Wrappers only: the π_prox tensors belong to proxFeatures, which are disposed after probe training.
            var prox = proxFeatures[minibatch[j]];
            trajectories.Add(new StepFeatures(states.narrow(0, offset, positions[j].Length), prox.Confidence, prox.Position));
        }
        return Ib!.PolicyLoss(trajectories, minibatch.Select(n => rows.Success[n]).ToList()).Total;
    }

    /// <summary>
    /// Per-token clipped loss shaped by Clip-Cov / KL-Cov / Forking, then weighted and aggregated (§B.7), plus
    /// β_KL·agg(ℓ^KL) as in every other mode (§A.9); the tokens Clip-Cov or KL-Cov picked are added to
    /// <paramref name="selected"/>.
    /// </summary>
    private PolicyLossResult ShapedPolicyLoss(PolicyLossInputs inputs, Tensor entropyTheta, int minibatch, ref long selected)
    {
        var cfg = settings.Loss;
        using var surrogate = PolicyLoss.ClippedSurrogate(inputs.LogpTheta, inputs.LogpProx, inputs.Advantages, cfg);
        var shaped = regularizer.ShapeTokenLoss(surrogate.PerToken, new TokenLossInputs(inputs.Advantages, inputs.LogpTheta, inputs.LogpProx,
            surrogate.ClippedMask, inputs.Mask, entropyTheta.detach(), Step, minibatch), out var picked);
        selected += picked;
        var weights = PolicyLoss.ImportanceWeights(inputs.LogpProx, inputs.LogpBehaviour, cfg.Importance, cfg.ImportanceCap, inputs.Mask);
        var pg = PolicyLoss.Aggregate(weights * shaped, inputs.Mask, cfg.Aggregation, cfg.MaxResponseLength);
        var loss = PolicyLoss.KlPenalty(inputs, cfg) is { } kl ? pg.add(kl, ConstantScalars.One) : pg;
        // Metrics come from the unshaped computation so runs of every mode log the same quantities.
        using (no_grad())
        {
            var plain = PolicyLoss.Compute(inputs with { LogpTheta = inputs.LogpTheta.detach() }, cfg);
            return new PolicyLossResult(loss, plain.Metrics with { PgLoss = pg.item<float>() });
        }
    }

    /// <summary>
    /// ‖∇θ <paramref name="term"/>‖ (L2 over every trainable parameter) without touching the accumulated gradients; the
    /// graph is kept for the minibatch's own backward. 0 for a term without a graph (an exact-zero L_B).
    /// </summary>
    private double GradientNorm(Tensor term)
    {
        if (!term.requires_grad) return 0;
        using var scope = NewDisposeScope();
        var parameters = policy.parameters().Where(p => p.requires_grad).Cast<Tensor>().ToList();
        var grads = autograd.grad([term], parameters, retain_graph: true, allow_unused: true);
        var squares = grads.Where(g => g is not null && g.numel() > 0).Select(g => g.to(float64).pow(ConstantScalars.Two).sum()).ToArray();
        return squares.Length == 0 ? 0 : Math.Sqrt(stack(squares).sum().item<double>()); // one device sync
    }

    private IEnumerable<int[]> Minibatches(LearnerRows rows, Random shuffle)
    {
        var groups = Enumerable.Range(0, rows.GroupCount).OrderBy(_ => shuffle.Next()).ToArray();
        var per = (int)Math.Ceiling(groups.Length / (double)settings.Minibatches);
        for (var start = 0; start < groups.Length; start += per)
        {
            var chosen = groups.Skip(start).Take(per).ToHashSet();
            yield return Enumerable.Range(0, rows.Count).Where(n => chosen.Contains(rows.GroupIds[n])).ToArray();
        }
    }

    private static PolicyLossMetrics Average(IReadOnlyList<PolicyLossMetrics> m) => new(
        m.Average(x => x.PgLoss), m.Average(x => x.KlLoss), m.Average(x => x.ClipFractionLow), m.Average(x => x.ClipFractionHigh),
        m.Average(x => x.DualClipFraction), m.Average(x => x.MeanAbsWeightMinusOne), m.Average(x => x.MeanWeight),
        m.Max(x => x.MaxWeight), m.Average(x => x.CappedFraction), m.Average(x => x.ApproxKlProxTheta));
}
