using Gipo.Core;
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
/// One learner step of docs/algorithm.md §D.1 over a batch of scored groups: a proximal no-grad forward (log-probs,
/// entropies, IB features or, for <c>ib.phi_source = ref_answer_prob</c>, reference-answer potentials),
/// group-sequential entropy statistics → scheduler → coefficients, outcome advantages blended with the IB step
/// credit, then PPO minibatches of whole groups with off-policy correction, the entropy term and (ablation
/// <c>ib.backprop_to_policy</c>) ζ·L_IB, and finally probe training, optionally on the groups dynamic sampling
/// rejected as well (<c>ib.train_on_filtered</c>). GRPO, Dr. GRPO and DAPO are the same path with flags off.
/// Knows nothing of actors: an actor owns an instance and calls <see cref="Train"/>; it may route the scheduler
/// through <see cref="ExternalScheduler"/>.
/// <para>Resumable: every random draw of a step is a pure function of (seed, step) — the PPO minibatch order, the
/// Clip-Cov/KL-Cov token picks — or comes from the probe's own generators, whose state the probe checkpoints. A learner
/// restored from a checkpoint written after step k (<see cref="Checkpoints.LearnerCheckpoint"/>) therefore repeats
/// step k + 1 bit for bit, given the same batch.</para>
/// </summary>
public sealed class GipoLearner : IDisposable
{
    private readonly PolicyModel policy;
    private readonly PolicyModel? reference;
    private readonly ITextTokenizer tokenizer;
    private AlgorithmSettings settings;
    private readonly StepSegmenter segmenter;
    private readonly EntropyRegularizer regularizer;

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
        if (settings.IbEnabled && settings.Ib.UsesProbe) Ib = new IbScorer(settings.Ib, policy.Config.HiddenSize, seed, policy.Device);
        if (settings.IbEnabled && !settings.Ib.UsesProbe) RefAnswer = new RefAnswerScorer(settings.Ib, tokenizer, settings.Temperature);
        Seed = seed;
    }

    /// <summary>The seed of every random draw this learner makes (with the step number); checkpoints record it.</summary>
    public long Seed { get; }

    /// <summary>
    /// When set, step 2 of <see cref="Train"/> asks this function for the step's entropy coefficients instead of
    /// updating <see cref="Scheduler"/> (which then stays untouched): an actor passes a function that asks the persistent
    /// scheduler actor. It is called exactly once per step that needs a scheduler (none for entropy modes without
    /// one), with the statistics of the full batch from the proximal forward, before anything in the learner changes,
    /// so an exception it throws leaves the learner as it was. The reply must be for the same learner step.
    /// </summary>
    public Func<EntropyStats, EntropyCoefficients>? ExternalScheduler { get; set; }

    /// <summary>
    /// When set, <see cref="Train"/> hands it the per-token advantages the step trained on, once the step is complete
    /// (a diagnostic: it is what shows the IB credit reaching the policy loss, or not). Null in real runs, where
    /// copying the advantages to the host would be wasted.
    /// </summary>
    public Action<AdvantageTrace>? AdvantageObserver { get; set; }

    /// <summary>The policy this learner trains (its parameters live in <see cref="Optimizer"/>'s flat buffer).</summary>
    public PolicyModel Policy => policy;

    public FlatAdamW Optimizer { get; }
    public EntropyScheduler? Scheduler { get; private set; }
    /// <summary>The probe, for every IB potential source but <c>ref_answer_prob</c>; null when IB is off.</summary>
    public IbScorer? Ib { get; }
    /// <summary>The reference-answer potentials of <c>ib.phi_source = ref_answer_prob</c>; null otherwise.</summary>
    public RefAnswerScorer? RefAnswer { get; }
    /// <summary>Learner steps done; also the policy version the next step trains from.</summary>
    public long Step { get; private set; }
    public long PolicyVersion => Step;

    /// <summary>The algorithm settings the next step trains with.</summary>
    public AlgorithmSettings Settings => settings;

    /// <summary>
    /// Takes <paramref name="next"/> from the next <see cref="Train"/> on: a live change of a running run
    /// (<c>gipo set</c>). The caller guarantees that only the settings a run may change live differ (the learning rate,
    /// B, η, the entropy scheduler's targets, u, η_λ and λ_max, the IB trust gate's a₀ and a₁); everything built
    /// from the others at construction (segmenter, regularizer, probe) stays as it is. The trust gates are retuned and a
    /// scheduler this learner updates itself is reconfigured; a scheduler behind <see cref="ExternalScheduler"/> gets its
    /// config from whoever answers there.
    /// </summary>
    public void Reconfigure(AlgorithmSettings next)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.Validate();
        if (ExternalScheduler is null && Scheduler is not null)
            Scheduler.Reconfigure(EntropyScheduler.ConfigFor(next.Entropy.Mode, next.Scheduler));
        Ib?.Gate.Retune(next.Ib.AucLow, next.Ib.AucHigh);
        RefAnswer?.Gate.Retune(next.Ib.AucLow, next.Ib.AucHigh);
        settings = next;
    }

    /// <summary>
    /// Restores counters and scheduler state on resume (weights, optimizer and probe are loaded separately;
    /// <see cref="Checkpoints.LearnerCheckpoint.Load"/> does all of it).
    /// </summary>
    public void Restore(long step, EntropySchedulerState? scheduler)
    {
        Step = step;
        if (scheduler is not null) Scheduler = EntropyScheduler.FromState(scheduler);
    }

    /// <summary>
    /// Runs one learner step on <paramref name="batch"/> (accepted, non-stale groups) and bumps the version.
    /// <paramref name="filtered"/> are groups dynamic sampling rejected this step: with <c>ib.train_on_filtered</c> the
    /// probe also trains on their states (π_prox features, after the accepted batch's); otherwise they are ignored.
    /// They never reach the policy loss, the advantages or the AUROC.
    /// </summary>
    public LearnerStepMetrics Train(IReadOnlyList<ScoredGroup> batch, IReadOnlyList<ScoredGroup>? filtered = null)
    {
        if (batch.Count == 0) throw new ArgumentException("a learner step needs at least one group");
        foreach (var g in batch) g.Validate();
        RequireReferenceAnswers(batch);
        IReadOnlyList<ScoredGroup> probeOnly = Ib is not null && settings.Ib.TrainOnFiltered ? filtered ?? [] : [];
        foreach (var g in probeOnly) g.Validate();
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();

        var rows = Rows.Build(batch, settings, policy.Device);
        var steps = Segment(rows);
        var stepIndex = StepIndices(rows, steps);
        var buckets = StepBuckets.Assign(steps, rows.Width, settings.EntropyBuckets, settings.Scheduler.BucketPosition);

        // 1. Proximal forward (no grad): ℓprox, entropies, IB features — one pass serves all three.
        policy.eval();
        Tensor proxLogp, proxEntropy;
        List<StepFeatures>? features = null;
        using (no_grad())
        {
            var (logits, hidden) = Forward(policy, rows);
            (proxLogp, proxEntropy) = TokenStats(logits, rows);
            if (Ib is not null) features = Features(logits, hidden, rows, stepIndex);
        }
        // Further π_prox forwards, all before any PPO update moves θ.
        var refPotentials = RefAnswer?.Potentials(policy, RefAnswerInputs(rows, stepIndex));
        var (filteredFeatures, filteredLabels) = probeOnly.Count > 0 ? ProbeOnlyStates(probeOnly) : ([], []);
        var refLogp = settings.Loss.KlBeta > 0 ? ReferenceLogp(rows) : null;

        var proxSeconds = clock.Elapsed.TotalSeconds;
        // 2. Entropy statistics of the full batch → scheduler → coefficients for this step's minibatches.
        var statistic = GroupSequentialEntropy.Measure(proxEntropy, rows.Mask, buckets, rows.GroupIds);
        var coefficients = Coefficients(statistic);

        // 3. Advantages: outcome (§A.2), blended per step with the IB credit once Φ has earned trust (§C.5, §C.7).
        var (aOut, scale) = OutcomeAdvantages.Compute(rows.Rewards, rows.GroupIds, settings.AdvantageNorm);
        var advantages = OutcomeAdvantages.ToTokens(aOut, rows.Mask);
        var ibScore = Ib is not null ? Ib.Score(features!, rows.Success, Step)
            : RefAnswer?.Score(refPotentials!, rows.Success, Step);
        double signFlip = 0;
        IbCreditSplit? credit = null;
        double[][]? stepCredit = null;
        if (ibScore is not null) (advantages, signFlip, credit, stepCredit) = BlendIb(ibScore, aOut, scale, rows, stepIndex);
        (WithinGroupAuroc WithinGroup, double[] ByStep)? ranking = ibScore is not null ? Ranking(ibScore, rows) : null;
        var trace = AdvantageObserver is not null ? Trace(Step + 1, advantages, aOut, ibScore, rows) with { IbStepCredit = stepCredit } : null;

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
                    : prox.index_select(0, index);
                var inputs = new PolicyLossInputs(logpTheta, proxMb, behaviour, advantages.index_select(0, index), mask,
                    refLogp?.index_select(0, index));

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
                    var ib = IbPolicyLoss(hidden, mb, rows, stepIndex, features!);
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

        var ppoSeconds = clock.Elapsed.TotalSeconds - proxSeconds - advantageSeconds;
        // 6. Probe training on this batch, after it was scored out of sample (§C.4), then on the rejected groups.
        var ibTrain = Ib?.Train([.. features!, .. filteredFeatures], [.. rows.Success, .. filteredLabels], Step);
        foreach (var f in (features ?? []).Concat(filteredFeatures)) f.Dispose();

        Step++;
        if (trace is not null) AdvantageObserver?.Invoke(trace);
        var stepLoss = Average(lossMetrics);
        return new LearnerStepMetrics
        {
            Step = Step, PolicyVersion = PolicyVersion, Groups = batch.Count, Trajectories = rows.Count,
            RewardMean = rows.Rewards.Average(), SuccessRate = rows.Success.Average(s => s ? 1.0 : 0.0),
            MeanResponseLength = rows.Trajectories.Average(t => t.ResponseTokens.Length),
            Loss = stepLoss, EntropyTerm = entropyTerm / Math.Max(1, minibatchIndex),
            TokenEntropy = statistic.GlobalTokenMean, BucketEntropy = statistic.BucketMean,
            BucketTarget = coefficients.Target, BucketAlpha = coefficients.Alpha, Calibrating = coefficients.Calibrating,
            BucketNu = coefficients.Nu, BucketUpper = coefficients.Upper, EntropyGradShare = entropyGradShare,
            KlLoss = settings.Loss.KlBeta > 0 ? stepLoss.KlLoss : null,
            CovSelectedTokens = regularizer.Mode is EntropyMode.ClipCov or EntropyMode.KlCov ? covSelected : null,
            IbWithinGroupAuroc = ranking?.WithinGroup.Mean, IbWithinGroupAurocGroups = ranking?.WithinGroup.Groups ?? 0,
            IbAurocByStep = ranking?.ByStep ?? [], IbCreditFailing = credit?.Failing, IbCreditSucceeding = credit?.Succeeding,
            IbKlRate = ibTrain?.KlRate,
            IbBatchAuroc = ibScore?.BatchAuroc, IbAucEma = ibScore?.AucEma ?? 0, IbRho = ibScore?.Rho ?? 0,
            IbBce = ibTrain?.Bce ?? 0, IbSignFlipFraction = signFlip,
            IbBrier = ibScore?.Brier, IbCalibrationGap = ibScore?.CalibrationGap, IbTrainStates = ibTrain?.States ?? 0,
            IbFilteredGroups = probeOnly.Count, IbPolicyLoss = ibPolicyLosses.Count > 0 ? ibPolicyLosses.Average() : null,
            GradNorm = gradNorm, Seconds = clock.Elapsed.TotalSeconds,
            ProxSeconds = proxSeconds, AdvantageSeconds = advantageSeconds, PpoSeconds = ppoSeconds,
        };
    }

    /// <summary>Step 2's scheduler call: the external one when set, else the internal one; zero without a scheduler.</summary>
    private EntropyCoefficients Coefficients(GroupSequentialStatistic statistic)
    {
        if (!regularizer.NeedsScheduler) return EntropyCoefficients.Zero(Step, settings.EntropyBuckets);
        var stats = statistic.ToStats(Step, PolicyVersion);
        if (ExternalScheduler is null) return Scheduler!.Update(stats);
        var coefficients = ExternalScheduler(stats)
            ?? throw new InvalidOperationException($"the external entropy scheduler returned no coefficients for learner step {Step}");
        if (coefficients.LearnerStep != Step)
            throw new InvalidOperationException($"the external entropy scheduler answered for learner step {coefficients.LearnerStep}, this is step {Step}");
        return coefficients;
    }

    /// <summary>
    /// The System.Random seed of learner step <paramref name="step"/>'s minibatch order: SplitMix64 of (seed, step), so
    /// it is the same in every process (unlike <see cref="HashCode.Combine{T1, T2}"/>) and needs no persisted state.
    /// </summary>
    internal static int StepSeed(long seed, long step) =>
        (int)(Sampling.CounterRandom.Next(unchecked((ulong)seed ^ ShuffleStream), unchecked((ulong)step)) & int.MaxValue);

    // Separates the minibatch-order stream from the other uses of CounterRandom with the same seed ("shuffle").
    private const ulong ShuffleStream = 0x73687566666C6500UL;

    /// <summary>ref_answer_prob scores y*, so every group must carry it; checked before any work is done.</summary>
    private void RequireReferenceAnswers(IReadOnlyList<ScoredGroup> batch)
    {
        if (RefAnswer is null) return;
        if (batch.FirstOrDefault(g => g.ReferenceAnswer is null) is { } missing)
            throw new ArgumentException($"group {missing.GroupId} has no reference answer, which ib.phi-source = ref_answer_prob needs");
    }

    private List<StepSegmentation> Segment(Rows rows) =>
        rows.Trajectories.Select(t => segmenter.Segment(t.ResponseTokens, ids => tokenizer.Decode(ids, skipSpecial: false))).ToList();

    /// <summary>Per trajectory, the zero-based step of each response token: the layout features and blending share.</summary>
    private static int[][] StepIndices(Rows rows, IReadOnlyList<StepSegmentation> steps) =>
        rows.Trajectories.Select((t, n) => ConfidenceFeatures.StepIndexOfTokens(steps[n].Steps, t.ResponseTokens.Length)).ToArray();

    private static long[] StatePositions(Rows rows, int[][] stepIndex, int n) =>
        ConfidenceFeatures.StatePositions(rows.Trajectories[n].PromptTokens.Length, stepIndex[n]);

    private static RefAnswerTrajectory[] RefAnswerInputs(Rows rows, int[][] stepIndex) =>
        rows.Trajectories.Select((t, n) => new RefAnswerTrajectory(t.PromptTokens, t.ResponseTokens, stepIndex[n], rows.ReferenceAnswers[n]!)).ToArray();

    /// <summary>
    /// The π_prox features and labels of groups the probe trains on but the policy never sees (ib.train_on_filtered):
    /// their own no-grad forward, freed as soon as the features are taken.
    /// </summary>
    private (List<StepFeatures> Features, bool[] Labels) ProbeOnlyStates(IReadOnlyList<ScoredGroup> groups)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var rows = Rows.Build(groups, settings, policy.Device);
        var stepIndex = StepIndices(rows, Segment(rows));
        var (logits, hidden) = Forward(policy, rows);
        return (Features(logits, hidden, rows, stepIndex), rows.Success);
    }

    /// <summary>
    /// L_IB (§C.4) of the minibatch's states with LN(h) from the θ forward, attached (ib.backprop_to_policy, §C.9): the
    /// gradient reaches the trunk through h only. The confidence and position columns are the π_prox ones, constants
    /// here, as in the features the probe trains on.
    /// </summary>
    private Tensor IbPolicyLoss(Tensor hidden, int[] minibatch, Rows rows, int[][] stepIndex, IReadOnlyList<StepFeatures> proxFeatures)
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

    private (Tensor Advantages, double SignFlip, IbCreditSplit Credit, double[][] StepCredit) BlendIb(IbScoreResult score, double[] aOut, double[] scale, Rows rows, int[][] stepIndex)
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
        var stepOfToken = StepIndexTensor(rows, stepIndex);
        var outcome = tensor(aOut.Select(a => (float)a).ToArray(), device: policy.Device);
        var blended = AdvantageBlend.TokenAdvantages(outcome, stepOfToken, stepAdvantages, blends, cfg.ClipIb);
        // A uniform group left unblended has no commensurate scale s_g: its credit would say nothing, so it is left out.
        var credited = Enumerable.Range(0, rows.Count).Where(n => cfg.UniformGroups || !rows.GroupIsUniform(n)).ToArray();
        var credit = AdvantageBlend.CreditBySuccess(
            credited.Select(n => AdvantageBlend.ScaledStepAdvantages(stepAdvantages[n], cfg.ClipIb, blends[n].Scale)).ToList(),
            credited.Select(n => rows.Success[n]).ToList());
        return (blended, AdvantageBlend.SignFlipFraction(blended, outcome, rows.Mask), credit, stepAdvantages);
    }

    /// <summary>The within-group and per-step-position AUROC of the batch's intermediate scores (§C.5 monitors).</summary>
    private (WithinGroupAuroc WithinGroup, double[] ByStep) Ranking(IbScoreResult score, Rows rows)
    {
        var intermediate = Enumerable.Range(0, rows.Count).Select(score.IntermediateScores).ToList();
        return (AurocBreakdown.WithinGroup(intermediate, rows.Success, rows.GroupIds),
            AurocBreakdown.ByStepPosition(intermediate, rows.Success, settings.Buckets));
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

    /// <summary>The step's advantages on the host for <see cref="AdvantageObserver"/>, each row cut to its response.</summary>
    private static AdvantageTrace Trace(long learnerStep, Tensor advantages, double[] aOut, IbScoreResult? score, Rows rows)
    {
        var flat = advantages.to(float32).cpu().data<float>().ToArray();
        var tokens = rows.Trajectories.Select((t, n) => flat.AsSpan(n * rows.Width, t.ResponseTokens.Length).ToArray()).ToArray();
        return new AdvantageTrace(learnerStep, tokens, [.. aOut], score);
    }

    private Tensor StepIndexTensor(Rows rows, int[][] stepIndex)
    {
        var data = new long[rows.Count * rows.Width];
        Array.Fill(data, -1L);
        for (var n = 0; n < rows.Count; n++)
            for (var t = 0; t < stepIndex[n].Length; t++) data[n * rows.Width + t] = stepIndex[n][t];
        return tensor(data, [rows.Count, rows.Width], device: policy.Device);
    }

    private List<StepFeatures> Features(Tensor logits, Tensor hidden, Rows rows, int[][] stepIndex)
    {
        var result = new List<StepFeatures>(rows.Count);
        for (var n = 0; n < rows.Count; n++)
        {
            var t = rows.Trajectories[n];
            var length = t.ResponseTokens.Length;
            var stepOfToken = stepIndex[n];
            // Logits that predict response token j sit at sequence position promptLength − 1 + j.
            var rowLogits = logits[n].narrow(0, t.PromptTokens.Length - 1, length);
            using var confidence = TokenConfidence.FromLogits(rowLogits, tensor(t.ResponseTokens.Select(x => (long)x).ToArray(), device: logits.device), settings.Temperature);
            var positions = tensor(StatePositions(rows, stepIndex, n), device: hidden.device);
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
        using var temperature = settings.Temperature.ToScalar();
        var z = settings.Temperature == 1.0 ? logits : logits.div(temperature);
        var logp = F.log_softmax(z, -1);
        var targets = index is null ? rows.Batch.Targets : rows.Batch.Targets.index_select(0, index);
        var gather = index is null ? rows.ResponseIndex : rows.ResponseIndex.index_select(0, index);
        var mask = index is null ? rows.Mask : rows.Mask.index_select(0, index);
        var tokenLogp = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1).gather(1, gather) * mask;
        var entropy = TokenEntropy.FromLogits(logits, settings.Temperature).gather(1, gather) * mask;
        return (tokenLogp, entropy);
    }

    private IEnumerable<int[]> Minibatches(Rows rows, Random shuffle)
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
        /// <summary>Each trajectory's reference answer y* (its group's), null where the producer knew none.</summary>
        public required string?[] ReferenceAnswers { get; init; }
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
            var answers = new List<string?>();
            for (var g = 0; g < batch.Count; g++)
                for (var i = 0; i < batch[g].Members.Count; i++)
                {
                    var t = batch[g].Members[i];
                    trajectories.Add(t);
                    groupIds.Add(g);
                    rewards.Add(Gipo.Core.Algorithm.Objective.Rewards.Outcome(batch[g].Scores[i].Reward, t.Finish, t.ResponseTokens.Length, s.Overlong));
                    success.Add(batch[g].Scores[i].Success);
                    answers.Add(batch[g].ReferenceAnswer);
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
                Trajectories = trajectories, GroupIds = [.. groupIds], Rewards = [.. rewards], Success = [.. success], ReferenceAnswers = [.. answers], Batch = packed,
                ResponseIndex = tensor(index, [trajectories.Count, width], device: device),
                Mask = tensor(mask, [trajectories.Count, width], device: device),
                BehaviourLogp = tensor(behaviour, [trajectories.Count, width], device: device),
                Width = width,
            };
        }
    }
}
