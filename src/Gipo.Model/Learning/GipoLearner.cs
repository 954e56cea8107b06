using System.Diagnostics;
using System.Text.RegularExpressions;
using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Core.Algorithm.Objective;
using Gipo.Core.Tokenization;
using Gipo.Model.Probe;
using Gipo.Model.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model.Learning;

/// <summary>
/// One learner step of GIPO-ALGORITHM §D.1 over a batch of scored groups: a proximal no-grad forward (log-probs,
/// entropies, IB features), group-sequential entropy statistics → scheduler → coefficients, outcome advantages
/// blended with the IB step credit, then PPO minibatches of whole groups with off-policy correction and the
/// entropy term, and finally probe training. GRPO, Dr. GRPO and DAPO are the same path with flags off.
/// Knows nothing of actors: an actor owns an instance and calls <see cref="Train"/>.
/// </summary>
public sealed class GipoLearner : IDisposable
{
    private readonly PolicyModel policy;
    private readonly PolicyModel? reference;
    private readonly ITextTokenizer tokenizer;
    private readonly AlgorithmSettings settings;
    private readonly StepSegmenter segmenter;
    private readonly EntropyRegularizer regularizer;
    private readonly Random shuffle;

    public GipoLearner(PolicyModel policy, ITextTokenizer tokenizer, AlgorithmSettings settings, PolicyModel? reference = null, long seed = 0)
    {
        this.policy = policy;
        this.tokenizer = tokenizer;
        this.settings = settings.Validate();
        if (settings.Loss.KlBeta > 0 && reference is null)
            throw new ArgumentException("kl.beta > 0 needs a reference policy (the SFT checkpoint)");
        this.reference = reference;
        segmenter = new StepSegmenter(new SegmentationConfig(
            StepSegmenter.DelimitersFor(tokenizer, settings.StepDelimiter), settings.MinStepLength,
            string.IsNullOrEmpty(settings.AnswerMarker) ? null : new Regex(settings.AnswerMarker, RegexOptions.Multiline)));
        regularizer = new EntropyRegularizer(settings.Entropy with { Seed = (int)seed });
        Optimizer = new FlatAdamW(policy.named_parameters(), settings.LearningRate, weightDecay: settings.WeightDecay);
        if (regularizer.NeedsScheduler)
            Scheduler = EntropyScheduler.CreateFor(settings.Entropy.Mode, settings.Scheduler, settings.Buckets);
        if (settings.IbEnabled) Ib = new IbScorer(settings.Ib, policy.Config.HiddenSize, seed, policy.Device);
        shuffle = new Random((int)seed);
    }

    public FlatAdamW Optimizer { get; }
    public EntropyScheduler? Scheduler { get; private set; }
    public IbScorer? Ib { get; }
    /// <summary>Learner steps done; also the policy version the next step trains from.</summary>
    public long Step { get; private set; }
    public long PolicyVersion => Step;

    /// <summary>Restores counters and scheduler state on resume (weights and optimizer are loaded separately).</summary>
    public void Restore(long step, EntropySchedulerState? scheduler)
    {
        Step = step;
        if (scheduler is not null) Scheduler = EntropyScheduler.FromState(scheduler);
    }

    /// <summary>Runs one learner step on <paramref name="batch"/> (accepted, non-stale groups) and bumps the version.</summary>
    public LearnerStepMetrics Train(IReadOnlyList<ScoredGroup> batch)
    {
        if (batch.Count == 0) throw new ArgumentException("a learner step needs at least one group");
        foreach (var g in batch) g.Validate();
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();

        var rows = Rows.Build(batch, settings, policy.Device);
        var steps = rows.Trajectories.Select(t => segmenter.Segment(t.ResponseTokens, ids => tokenizer.Decode(ids, skipSpecial: false))).ToList();
        var buckets = StepBuckets.Assign(steps, rows.Width, settings.Buckets, settings.Scheduler.BucketPosition);

        // 1. Proximal forward (no grad): ℓprox, entropies, IB features — one pass serves all three.
        policy.eval();
        Tensor proxLogp, proxEntropy;
        List<StepFeatures>? features = null;
        using (no_grad())
        {
            var (logits, hidden) = Forward(policy, rows);
            (proxLogp, proxEntropy) = TokenStats(logits, rows);
            if (Ib is not null) features = Features(logits, hidden, rows, steps);
        }
        var refLogp = settings.Loss.KlBeta > 0 ? ReferenceLogp(rows) : null;

        var proxSeconds = clock.Elapsed.TotalSeconds;
        // 2. Entropy statistics of the full batch → scheduler → coefficients for this step's minibatches.
        var statistic = GroupSequentialEntropy.Measure(proxEntropy, rows.Mask, buckets, rows.GroupIds);
        var coefficients = Scheduler?.Update(statistic.ToStats(Step, PolicyVersion)) ?? EntropyCoefficients.Zero(Step, settings.Buckets);

        // 3. Advantages: outcome (§A.2), blended per step with the IB credit once the probe has earned trust (§C.7).
        var (aOut, scale) = OutcomeAdvantages.Compute(rows.Rewards, rows.GroupIds, settings.AdvantageNorm);
        var advantages = OutcomeAdvantages.ToTokens(aOut, rows.Mask);
        IbScoreResult? ibScore = null;
        double signFlip = 0;
        if (Ib is not null && features is not null)
        {
            ibScore = Ib.Score(features, rows.Success, Step);
            (advantages, signFlip) = BlendIb(ibScore, aOut, scale, rows, steps);
        }

        // 4. Proximal log-probs per mode (§A.4).
        var prox = settings.Prox switch
        {
            ProxMode.Recompute => proxLogp,
            ProxMode.Behave => rows.BehaviourLogp,
            _ => proxLogp, // loglinear needs ℓθ: resolved per minibatch below
        };

        var advantageSeconds = clock.Elapsed.TotalSeconds - proxSeconds;
        // 5. PPO epochs over shuffled minibatches of whole groups.
        policy.train();
        var lossMetrics = new List<PolicyLossMetrics>();
        double entropyTerm = 0, gradNorm = 0;
        var minibatchIndex = 0;
        for (var epoch = 0; epoch < settings.PpoEpochs; epoch++)
        {
            foreach (var mb in Minibatches(rows))
            {
                using var mbScope = NewDisposeScope();
                var index = tensor(mb.Select(i => (long)i).ToArray(), device: policy.Device);
                var (logits, _) = Forward(policy, rows, index);
                var (logpTheta, entropyTheta) = TokenStats(logits, rows, index);
                var mask = rows.Mask.index_select(0, index);
                var behaviour = rows.BehaviourLogp.index_select(0, index);
                var proxMb = settings.Prox == ProxMode.LogLinear
                    ? PolicyLoss.ProxLogProbs(ProxMode.LogLinear, behaviour, logpTheta.detach(), null,
                        new ProxVersions(mb.Select(i => rows.Trajectories[i].BehaviourVersion).ToArray(), PolicyVersion, PolicyVersion))
                    : prox.index_select(0, index);
                var inputs = new PolicyLossInputs(logpTheta, proxMb, behaviour, advantages.index_select(0, index), mask,
                    refLogp?.index_select(0, index));

                var pg = regularizer.ShapesTokenLoss
                    ? ShapedPolicyLoss(inputs, entropyTheta, minibatchIndex)
                    : PolicyLoss.Compute(inputs, settings.Loss);
                var mbGroups = mb.Select(i => rows.GroupIds[i]).ToArray();
                var weights = regularizer.NeedsScheduler ? GroupSequentialEntropy.Weights(buckets.SelectRows(mb), mbGroups) : null;
                var term = regularizer.LossTerm(entropyTheta, mask, weights, coefficients);
                var loss = pg.Loss + term;

                Optimizer.ZeroGrad();
                loss.backward();
                gradNorm = Optimizer.ClipGradNorm(settings.GradClip);
                Optimizer.StepOnce();
                lossMetrics.Add(pg.Metrics);
                entropyTerm += term.item<float>();
                minibatchIndex++;
            }
        }

        var ppoSeconds = clock.Elapsed.TotalSeconds - proxSeconds - advantageSeconds;
        // 6. Probe training on this batch, after it was scored out of sample (§C.4).
        var ibTrain = Ib is not null && features is not null ? Ib.Train(features, rows.Success, Step) : null;
        foreach (var f in features ?? []) f.Dispose();

        Step++;
        return new LearnerStepMetrics
        {
            Step = Step, PolicyVersion = PolicyVersion, Groups = batch.Count, Trajectories = rows.Count,
            RewardMean = rows.Rewards.Average(), SuccessRate = rows.Success.Average(s => s ? 1.0 : 0.0),
            MeanResponseLength = rows.Trajectories.Average(t => t.ResponseTokens.Length),
            Loss = Average(lossMetrics), EntropyTerm = entropyTerm / Math.Max(1, minibatchIndex),
            TokenEntropy = statistic.GlobalTokenMean, BucketEntropy = statistic.BucketMean,
            BucketTarget = coefficients.Target, BucketAlpha = coefficients.Alpha, Calibrating = coefficients.Calibrating,
            IbBatchAuroc = ibScore?.BatchAuroc, IbAucEma = ibScore?.AucEma ?? 0, IbRho = ibScore?.Rho ?? 0,
            IbBce = ibTrain?.Bce ?? 0, IbSignFlipFraction = signFlip, GradNorm = gradNorm, Seconds = clock.Elapsed.TotalSeconds,
            ProxSeconds = proxSeconds, AdvantageSeconds = advantageSeconds, PpoSeconds = ppoSeconds,
        };
    }

    /// <summary>Per-token clipped loss shaped by Clip-Cov / KL-Cov / Forking, then weighted and aggregated (§B.7).</summary>
    private PolicyLossResult ShapedPolicyLoss(PolicyLossInputs inputs, Tensor entropyTheta, int minibatch)
    {
        var cfg = settings.Loss;
        using var surrogate = PolicyLoss.ClippedSurrogate(inputs.LogpTheta, inputs.LogpProx, inputs.Advantages, cfg);
        var shaped = regularizer.ShapeTokenLoss(surrogate.PerToken, new TokenLossInputs(inputs.Advantages, inputs.LogpTheta, inputs.LogpProx,
            surrogate.ClippedMask, inputs.Mask, entropyTheta.detach(), Step, minibatch));
        var weights = PolicyLoss.ImportanceWeights(inputs.LogpProx, inputs.LogpBehaviour, cfg.Importance, cfg.ImportanceCap, inputs.Mask);
        var loss = PolicyLoss.Aggregate(weights * shaped, inputs.Mask, cfg.Aggregation, cfg.MaxResponseLength);
        // Metrics come from the unshaped computation so runs of every mode log the same quantities.
        using (no_grad())
        {
            var plain = PolicyLoss.Compute(inputs with { LogpTheta = inputs.LogpTheta.detach() }, cfg);
            return new PolicyLossResult(loss, plain.Metrics with { PgLoss = loss.item<float>() });
        }
    }

    private (Tensor Advantages, double SignFlip) BlendIb(IbScoreResult score, double[] aOut, double[] scale, Rows rows, IReadOnlyList<StepSegmentation> steps)
    {
        var cfg = settings.Ib;
        var groupMean = rows.GroupMeans();
        var stepAdvantages = new double[rows.Count][];
        var blends = new GroupBlend[rows.Count];
        for (var n = 0; n < rows.Count; n++)
        {
            var phi = StepCredit.Potentials(groupMean[n], score.IntermediateScores(n), rows.Rewards[n], cfg.PhiSpace, cfg.PhiEpsilon);
            stepAdvantages[n] = StepCredit.StepAdvantages(phi, cfg.LambdaS);
            blends[n] = GroupBlend.For(cfg.WeightIb, score.Rho, scale[n], rows.GroupIsUniform(n), cfg.UniformGroups);
        }
        var stepOfToken = StepIndexTensor(rows, steps);
        var outcome = tensor(aOut.Select(a => (float)a).ToArray(), device: policy.Device);
        var blended = AdvantageBlend.TokenAdvantages(outcome, stepOfToken, stepAdvantages, blends, cfg.ClipIb);
        return (blended, AdvantageBlend.SignFlipFraction(blended, outcome, rows.Mask));
    }

    private Tensor StepIndexTensor(Rows rows, IReadOnlyList<StepSegmentation> steps)
    {
        var data = new long[rows.Count * rows.Width];
        Array.Fill(data, -1L);
        for (var n = 0; n < rows.Count; n++)
        {
            var index = ConfidenceFeatures.StepIndexOfTokens(steps[n].Steps, rows.Trajectories[n].ResponseTokens.Length);
            for (var t = 0; t < index.Length; t++) data[n * rows.Width + t] = index[t];
        }
        return tensor(data, [rows.Count, rows.Width], device: policy.Device);
    }

    private List<StepFeatures> Features(Tensor logits, Tensor hidden, Rows rows, IReadOnlyList<StepSegmentation> steps)
    {
        var result = new List<StepFeatures>(rows.Count);
        for (var n = 0; n < rows.Count; n++)
        {
            var t = rows.Trajectories[n];
            var length = t.ResponseTokens.Length;
            var stepOfToken = ConfidenceFeatures.StepIndexOfTokens(steps[n].Steps, length);
            // Logits that predict response token j sit at sequence position promptLength − 1 + j.
            var rowLogits = logits[n].narrow(0, t.PromptTokens.Length - 1, length);
            using var confidence = TokenConfidence.FromLogits(rowLogits, tensor(t.ResponseTokens.Select(x => (long)x).ToArray(), device: logits.device), settings.Temperature);
            var positions = tensor(ConfidenceFeatures.StatePositions(t.PromptTokens.Length, stepOfToken), device: hidden.device);
            var f = ConfidenceFeatures.Build(hidden[n].index_select(0, positions).to(float32), confidence, stepOfToken, settings.Buckets);
            result.Add(new StepFeatures(f.Hidden.DetachFromDisposeScope(), f.Confidence.DetachFromDisposeScope(), f.Position.DetachFromDisposeScope()));
        }
        return result;
    }

    private Tensor ReferenceLogp(Rows rows)
    {
        using var _ = no_grad();
        var (logits, _) = Forward(reference!, rows);
        return TokenStats(logits, rows).Logp;
    }

    private static (Tensor Logits, Tensor Hidden) Forward(PolicyModel model, Rows rows, Tensor? index = null)
    {
        var ids = index is null ? rows.Batch.InputIds : rows.Batch.InputIds.index_select(0, index);
        var keyMask = index is null ? rows.Batch.KeyMask : rows.Batch.KeyMask.index_select(0, index);
        var output = model.Forward(ids, keyMask);
        return (output.Logits, output.Hidden);
    }

    /// <summary>Response-aligned [N, T] log-probs of the sampled tokens and full-distribution entropies at τ.</summary>
    private (Tensor Logp, Tensor Entropy) TokenStats(Tensor logits, Rows rows, Tensor? index = null)
    {
        var z = settings.Temperature == 1.0 ? logits : logits / settings.Temperature;
        var logp = F.log_softmax(z, -1);
        var targets = index is null ? rows.Batch.Targets : rows.Batch.Targets.index_select(0, index);
        var gather = index is null ? rows.ResponseIndex : rows.ResponseIndex.index_select(0, index);
        var mask = index is null ? rows.Mask : rows.Mask.index_select(0, index);
        var tokenLogp = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1).gather(1, gather) * mask;
        var entropy = TokenEntropy.FromLogits(logits, settings.Temperature).gather(1, gather) * mask;
        return (tokenLogp, entropy);
    }

    private IEnumerable<int[]> Minibatches(Rows rows)
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

    public void Dispose()
    {
        Optimizer.Dispose();
        Ib?.Dispose();
    }

    /// <summary>The batch flattened to trajectories, packed for teacher forcing, with response-aligned views.</summary>
    private sealed class Rows
    {
        public required IReadOnlyList<Trajectory> Trajectories { get; init; }
        public required int[] GroupIds { get; init; }
        public required double[] Rewards { get; init; }
        public required bool[] Success { get; init; }
        public required TokenBatch Batch { get; init; }
        /// <summary>[N, T]: sequence position whose logits predict response token t (clamped on padding).</summary>
        public required Tensor ResponseIndex { get; init; }
        /// <summary>[N, T] float32: 1 on response tokens.</summary>
        public required Tensor Mask { get; init; }
        public required Tensor BehaviourLogp { get; init; }
        public required int Width { get; init; }
        public int Count => Trajectories.Count;
        public int GroupCount => GroupIds.Length == 0 ? 0 : GroupIds.Max() + 1;

        public double[] GroupMeans()
        {
            var sums = new double[GroupCount];
            var counts = new int[GroupCount];
            for (var n = 0; n < Count; n++) { sums[GroupIds[n]] += Rewards[n]; counts[GroupIds[n]]++; }
            return GroupIds.Select(g => sums[g] / counts[g]).ToArray();
        }

        public bool GroupIsUniform(int n)
        {
            var g = GroupIds[n];
            var rewards = Enumerable.Range(0, Count).Where(i => GroupIds[i] == g).Select(i => Rewards[i]).ToList();
            return rewards.Max() == rewards.Min();
        }

        public static Rows Build(IReadOnlyList<ScoredGroup> batch, AlgorithmSettings s, Device device)
        {
            var trajectories = new List<Trajectory>();
            var groupIds = new List<int>();
            var rewards = new List<double>();
            var success = new List<bool>();
            for (var g = 0; g < batch.Count; g++)
                for (var i = 0; i < batch[g].Members.Count; i++)
                {
                    var t = batch[g].Members[i];
                    trajectories.Add(t);
                    groupIds.Add(g);
                    rewards.Add(Gipo.Core.Algorithm.Objective.Rewards.Outcome(batch[g].Scores[i].Reward, t.Finish, t.ResponseTokens.Length, s.Overlong));
                    success.Add(batch[g].Scores[i].Success);
                }
            var width = Math.Max(1, trajectories.Max(t => t.ResponseTokens.Length));
            var pad = 0;
            var packed = TokenBatch.Create(trajectories.Select(t => ((IReadOnlyList<int>)t.PromptTokens, (IReadOnlyList<int>)t.ResponseTokens)).ToList(), pad, device);
            var index = new long[trajectories.Count * width];
            var mask = new float[trajectories.Count * width];
            var behaviour = new float[trajectories.Count * width];
            for (var n = 0; n < trajectories.Count; n++)
            {
                var t = trajectories[n];
                for (var j = 0; j < width; j++)
                {
                    var real = j < t.ResponseTokens.Length;
                    index[n * width + j] = t.PromptTokens.Length - 1 + (real ? j : 0);
                    mask[n * width + j] = real ? 1f : 0f;
                    behaviour[n * width + j] = real ? t.BehaviourLogProbs[j] : 0f;
                }
            }
            return new Rows
            {
                Trajectories = trajectories, GroupIds = [.. groupIds], Rewards = [.. rewards], Success = [.. success], Batch = packed,
                ResponseIndex = tensor(index, [trajectories.Count, width], device: device),
                Mask = tensor(mask, [trajectories.Count, width], device: device),
                BehaviourLogp = tensor(behaviour, [trajectories.Count, width], device: device),
                Width = width,
            };
        }
    }
}
