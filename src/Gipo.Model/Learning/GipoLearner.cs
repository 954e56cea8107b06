using System.Diagnostics;
using System.Text.RegularExpressions;
using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Tokenization;
using Gipo.Model.Probe;
using Gipo.Model.Training;
using static TorchSharp.torch;

namespace Gipo.Model.Learning;

/// <summary>
/// One learner step of docs/algorithm.md §D.1 over a batch of scored groups: a proximal no-grad forward (log-probs,
/// entropies, IB features or, for <c>ib.phi_source = ref_answer_prob</c>, reference-answer potentials),
/// group-sequential entropy statistics → scheduler → coefficients, outcome advantages blended with the IB step
/// credit, then PPO minibatches of whole groups with off-policy correction, the entropy term and (ablation
/// <c>ib.backprop_to_policy</c>) ζ·L_IB, and finally probe training, optionally on the groups dynamic sampling
/// rejected as well (<c>ib.train_on_filtered</c>). GRPO, Dr. GRPO and DAPO are the same path with flags off.
/// <see cref="Train"/> is the list of those steps; each lives in the partial file named after it
/// (<c>GipoLearner.Rows.cs</c>, <c>.ProximalPass.cs</c>, <c>.EntropyStatistics.cs</c>, <c>.Advantages.cs</c>,
/// <c>.PpoMinibatches.cs</c>, <c>.Probe.cs</c>) and hands the next step a small record of what it computed.
/// Knows nothing of actors: an actor owns an instance and calls <see cref="Train"/>. The entropy scheduler lives
/// in here (<see cref="Scheduler"/>), and its state is saved and restored with the learner's checkpoint, the one home
/// of that state (docs/architecture.md, "Checkpoints").
/// <para>Resumable: every random draw of a step is a pure function of (seed, step) — the PPO minibatch order, the
/// Clip-Cov/KL-Cov token picks — or comes from the probe's own generators, whose state the probe checkpoints. A learner
/// restored from a checkpoint written after step k (<see cref="Checkpoints.LearnerCheckpoint"/>) therefore repeats
/// step k + 1 bit for bit, given the same batch.</para>
/// </summary>
public sealed partial class GipoLearner : IDisposable
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
    /// from the others at construction (segmenter, regularizer, probe) stays as it is. The trust gates are retuned and the
    /// entropy scheduler takes the config in force (a no-op when it did not change).
    /// </summary>
    public void Reconfigure(AlgorithmSettings next)
    {
        ArgumentNullException.ThrowIfNull(next);
        next.Validate();
        if (Scheduler is not null)
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
        var probeOnly = CheckedBatch(batch, filtered);
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();

        // 1. Rows: the batch flattened and packed, every response segmented into steps (§B.1) and bucketed (§B.3).
        var (rows, stepIndex, buckets) = BuildRows(batch);
        // 2. Proximal pass (no grad): ℓprox, entropies, IB features — and every other π_prox forward, before θ moves.
        var prox = ProximalPass(rows, stepIndex, probeOnly);
        var proxSeconds = clock.Elapsed.TotalSeconds;
        // 3. Entropy statistics of the full batch → scheduler → coefficients for this step's minibatches (§B.4, §B.8).
        var (statistic, coefficients) = EntropyStatistics(prox.Entropy, rows, buckets);
        // 4. Advantages: outcome (§A.2), blended per step with the IB credit once Φ has earned trust (§C.5–§C.7).
        var advantages = Advantages(rows, stepIndex, prox);
        var advantageSeconds = clock.Elapsed.TotalSeconds - proxSeconds;
        // 5–6. ℓprox by mode (§A.4), then PPO epochs over shuffled minibatches of whole groups (§A.5).
        var ppo = PpoMinibatches(rows, stepIndex, buckets, prox, advantages.Tokens, coefficients);
        var ppoSeconds = clock.Elapsed.TotalSeconds - proxSeconds - advantageSeconds;
        // 7. Probe training on this batch, after it was scored out of sample (§C.4), then on the rejected groups.
        var ibTrain = TrainProbe(rows, prox);
        // 8. Version v ← v + 1.
        Step++;
        if (advantages.Trace is { } trace) AdvantageObserver?.Invoke(trace);
        return StepMetrics(batch.Count, rows, statistic, coefficients, advantages, ppo, ibTrain, probeOnly.Count,
            (clock.Elapsed.TotalSeconds, proxSeconds, advantageSeconds, ppoSeconds));
    }

    /// <summary>
    /// Checks <paramref name="batch"/> (and the reference answers <c>ref_answer_prob</c> needs) before any work is done;
    /// returns the groups only the probe trains on: <paramref name="filtered"/> with <c>ib.train_on_filtered</c>, else none.
    /// </summary>
    private IReadOnlyList<ScoredGroup> CheckedBatch(IReadOnlyList<ScoredGroup> batch, IReadOnlyList<ScoredGroup>? filtered)
    {
        if (batch.Count == 0) throw new ArgumentException("a learner step needs at least one group");
        foreach (var g in batch) g.Validate();
        RequireReferenceAnswers(batch);
        IReadOnlyList<ScoredGroup> probeOnly = Ib is not null && settings.Ib.TrainOnFiltered ? filtered ?? [] : [];
        foreach (var g in probeOnly) g.Validate();
        return probeOnly;
    }

    /// <summary>ref_answer_prob scores y*, so every group must carry it; checked before any work is done.</summary>
    private void RequireReferenceAnswers(IReadOnlyList<ScoredGroup> batch)
    {
        if (RefAnswer is null) return;
        if (batch.FirstOrDefault(g => g.ReferenceAnswer is null) is { } missing)
            throw new ArgumentException($"group {missing.GroupId} has no reference answer, which ib.phi-source = ref_answer_prob needs");
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Ib?.Dispose();
    }
}
