using System.Text.Json;
using System.Text.Json.Serialization;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Model.Checkpoints;
using Gipo.Model.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Model.Probe;

/// <summary>
/// The learner-side IB scorer (§C.4, §C.5): it owns the probe, the probe's Adam optimizer, the feature normaliser,
/// the trust gate and a replay buffer of the last <see cref="IbConfig.ReplayBatches"/> batches. Each learner step
/// calls <see cref="Score"/> first (out-of-sample AUROC, gate) and <see cref="Train"/> after the policy update; with
/// <c>ib.backprop_to_policy</c> each PPO minibatch also adds <see cref="PolicyLoss"/>.
/// All randomness (minibatch order, ε) comes from its own generators, so a seed fixes the whole run and a checkpoint
/// resumes it exactly. Not thread-safe: one learner thread owns it.
/// </summary>
public sealed class IbScorer : IDisposable
{
    /// <summary>File of the probe weights, optimizer moments, generator state and replay buffer.</summary>
    public const string WeightsFile = "probe.safetensors";

    /// <summary>File of the sizes, optimizer step, normaliser and gate.</summary>
    public const string StateFile = "probe.json";

    private const string Format = "gipo-ib-scorer/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly FlatAdamW optimizer;
    private readonly Generator generator;
    // ε of the policy-side term draws from its own stream, so switching ib.backprop_to_policy on leaves the probe's
    // own training draws (and hence the probe) exactly as in a run without it.
    private readonly Generator policyTermGenerator;
    private readonly Queue<ProbeBatch> replay = new();

    /// <param name="hiddenSize">d_h of the policy, so the probe input is d_h + 4 wide.</param>
    /// <param name="seed">Seeds the initial weights and the training generator.</param>
    /// <param name="device">Where the probe lives (default CPU); features are moved there.</param>
    public IbScorer(IbConfig config, int hiddenSize, long seed = 0, Device? device = null)
    {
        Config = config.Validate();
        if (!config.UsesProbe)
            throw new NotSupportedException("ib.phi_source=ref_answer_prob trains no probe: its potentials come from the policy (RefAnswerScorer)");
        if (hiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "d_h must be ≥ 1");
        HiddenSize = hiddenSize;
        Device = device ?? CPU;
        var inputSize = hiddenSize + ConfidenceFeatures.ExtraFeatures;
        Probe = config.PhiSource == PhiSource.ScLogistic
            ? new ScLogisticProbe(inputSize, selfCertaintyColumn: hiddenSize)
            : new VibProbe(inputSize, config.EmbedDim, config.LatentDim, seed);
        Probe.to(Device);
        // Adam is AdamW without decay; the flat buffers make clipping and checkpointing the moments trivial.
        optimizer = new FlatAdamW(Probe.named_parameters(), lr: config.ProbeLearningRate, weightDecay: 0);
        generator = new Generator(unchecked((ulong)seed + 1));
        policyTermGenerator = new Generator(unchecked((ulong)seed + 2));
        Normalizer = new FeatureNormalizer(ConfidenceFeatures.ConfidenceCount);
        Gate = new TrustGate(config);
    }

    public IbConfig Config { get; }

    /// <summary>d_h.</summary>
    public int HiddenSize { get; }

    public Device Device { get; }

    public OutcomeProbe Probe { get; }

    /// <summary>stdz statistics of (SC, LP, EH); moved only by <see cref="Train"/>.</summary>
    public FeatureNormalizer Normalizer { get; }

    public TrustGate Gate { get; }

    /// <summary>Optimizer steps taken so far.</summary>
    public long OptimizerSteps => optimizer.Step;

    /// <summary>Batches held for replay.</summary>
    public int ReplayCount => replay.Count;

    /// <summary>p̂ for every state k = 0..K−1 of each trajectory, with z = μ. Changes nothing.</summary>
    public double[][] Predict(IReadOnlyList<StepFeatures> trajectories)
    {
        RequireFeatures(trajectories);
        using var scope = NewDisposeScope();
        var u = ConfidenceFeatures.Assemble(trajectories, Normalizer).to(Device);
        var flat = Probe.Score(u).to(float64).cpu().data<double>().ToArray();
        var result = new double[trajectories.Count][];
        var offset = 0;
        for (var i = 0; i < result.Length; offset += result[i].Length, i++)
            result[i] = flat.AsSpan(offset, trajectories[i].States).ToArray();
        return result;
    }

    /// <summary>
    /// Scores a batch the probe has not trained on (§C.5): p̂ per state, the out-of-sample AUROC over the
    /// intermediate states, and the gate after folding that AUROC into the EMA. Call once per learner step,
    /// before <see cref="Train"/> on the same batch.
    /// </summary>
    public IbScoreResult Score(IReadOnlyList<StepFeatures> trajectories, IReadOnlyList<bool> labels, long learnerStep)
    {
        RequireLabels(trajectories, labels);
        return IbScoreResult.Judge(Predict(trajectories), labels, Gate, learnerStep);
    }

    /// <summary>
    /// Trains the probe on this batch's non-terminal states (§C.4), plus the replayed batches: the normaliser first
    /// absorbs the batch's confidences, then E_ib epochs of shuffled minibatches with gradient clipping.
    /// With <c>ib.train_on_filtered</c> the learner passes the rejected groups' trajectories here too, after the
    /// accepted ones: one batch, one replay entry per learner step.
    /// </summary>
    public IbTrainResult Train(IReadOnlyList<StepFeatures> trajectories, IReadOnlyList<bool> labels, long learnerStep)
    {
        RequireLabels(trajectories, labels);
        UpdateNormalizer(trajectories);
        var batch = ProbeBatch.From(trajectories, labels, Device);
        var (bce, kl) = Fit([.. replay, batch]);
        var brier = Brier(batch);
        Remember(batch);
        return new IbTrainResult(learnerStep, bce, kl, brier, batch.States);
    }

    /// <summary>
    /// L_IB of §C.4 on states whose features carry the policy's autograd graph (<c>ib.backprop_to_policy</c>, §C.9):
    /// the ν-weighted mean (ν = 1/K per state, each trajectory weighing the same) of BCE + β·KL with sampled z. The
    /// probe's parameters are frozen while the graph is built, so a backward through the result reaches only what
    /// computed the features; the probe itself keeps training on detached features in <see cref="Train"/>.
    /// </summary>
    /// <param name="trajectories">Features whose <see cref="StepFeatures.Hidden"/> (LN(h)) is attached to the θ forward.</param>
    public ProbeLoss PolicyLoss(IReadOnlyList<StepFeatures> trajectories, IReadOnlyList<bool> labels)
    {
        RequireLabels(trajectories, labels);
        using var scope = NewDisposeScope();
        var u = ConfidenceFeatures.Assemble(trajectories, Normalizer).to(Device);
        var label = cat(trajectories.Select((f, i) => ProbeBatch.Filled(f.States, labels[i] ? 1f : 0f, Device)).ToArray(), 0);
        var weight = cat(trajectories.Select(f => ProbeBatch.Filled(f.States, 1f / f.States, Device)).ToArray(), 0);
        var parameters = Probe.parameters().ToList();
        foreach (var p in parameters) p.requires_grad = false;
        try
        {
            var loss = Probe.LossThroughInput(u, label, weight, Config.BetaIb, policyTermGenerator);
            return new ProbeLoss(loss.Total.MoveToOuterDisposeScope(), loss.Bce.MoveToOuterDisposeScope(), loss.Kl.MoveToOuterDisposeScope());
        }
        finally
        {
            // The graph built above recorded the parameters as constants; unfreezing now does not change it.
            foreach (var p in parameters) p.requires_grad = true;
        }
    }

    private void UpdateNormalizer(IReadOnlyList<StepFeatures> trajectories)
    {
        // Only states after a real step carry confidences; the prompt state's zeros would bias the mean.
        var rows = trajectories.Where(f => f.States > 1).Select(f => f.IntermediateConfidence).ToArray();
        if (rows.Length == 0) return;
        using var scope = NewDisposeScope();
        Normalizer.Update(cat(rows.Select(r => r.to(float32).cpu()).ToArray(), 0));
    }

    private (double Bce, double Kl) Fit(IReadOnlyList<ProbeBatch> batches)
    {
        using var scope = NewDisposeScope();
        var all = ProbeBatch.Concat(batches);
        var u = all.Features(Normalizer);
        var n = all.States;
        double bce = 0, kl = 0, weight = 0;
        for (var epoch = 0; epoch < Config.Epochs; epoch++)
        {
            var order = randperm(n, generator: generator).to(Device);
            for (long start = 0; start < n; start += Config.MinibatchSize)
            {
                using var step = NewDisposeScope();
                var index = order.narrow(0, start, Math.Min(Config.MinibatchSize, n - start));
                var w = all.Weight.index_select(0, index);
                var loss = Probe.Loss(u.index_select(0, index), all.Label.index_select(0, index), w, Config.BetaIb, generator);
                optimizer.ZeroGrad();
                loss.Total.backward();
                optimizer.ClipGradNorm(Config.GradClip);
                optimizer.StepOnce();
                if (epoch < Config.Epochs - 1) continue;
                var share = w.sum().item<float>();
                (bce, kl, weight) = (bce + share * loss.Bce.item<float>(), kl + share * loss.Kl.item<float>(), weight + share);
            }
        }
        return (bce / weight, kl / weight);
    }

    /// <summary>Σν(p̂ − y)² over the batch's states (ν sums to 1).</summary>
    private double Brier(ProbeBatch batch)
    {
        using var scope = NewDisposeScope();
        var p = Probe.Score(batch.Features(Normalizer));
        var error = p - batch.Label;
        return (error * error * batch.Weight).sum().item<float>();
    }

    private void Remember(ProbeBatch batch)
    {
        replay.Enqueue(batch);
        while (replay.Count > Config.ReplayBatches) replay.Dequeue().Dispose();
    }

    private void RequireFeatures(IReadOnlyList<StepFeatures> trajectories)
    {
        ArgumentNullException.ThrowIfNull(trajectories);
        if (trajectories.Count == 0) throw new ArgumentException("no trajectories", nameof(trajectories));
        foreach (var f in trajectories)
            if (f.HiddenSize != HiddenSize || f.States < 1)
                throw new ArgumentException($"expected features with d_h = {HiddenSize} and K ≥ 1, got d_h = {f.HiddenSize}, K = {f.States}",
                                            nameof(trajectories));
    }

    private void RequireLabels(IReadOnlyList<StepFeatures> trajectories, IReadOnlyList<bool> labels)
    {
        RequireFeatures(trajectories);
        if (labels.Count != trajectories.Count)
            throw new ArgumentException($"{trajectories.Count} trajectories but {labels.Count} labels", nameof(labels));
    }

    /// <summary>
    /// Writes <see cref="WeightsFile"/> (probe weights, Adam moments, generator states, replay buffer) and
    /// <see cref="StateFile"/> (sizes, Adam step, normaliser, gate) into <paramref name="directory"/>.
    /// </summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var (step, avg, avgSq) = optimizer.State;
        using var rng = generator.get_state();
        using var policyRng = policyTermGenerator.get_state();
        var tensors = Probe.named_parameters().Select(p => ("probe." + p.name, (Tensor)p.parameter))
            .Append(("adam.exp_avg", avg)).Append(("adam.exp_avg_sq", avgSq)).Append(("rng", rng)).Append(("rng.policy_term", policyRng))
            .Concat(replay.SelectMany((b, i) => b.Named($"replay.{i}.")));
        SafeTensors.Save(Path.Combine(directory, WeightsFile), tensors);
        var state = new IbScorerState(Format, Config.PhiSource, HiddenSize, Probe.InputSize, Config.EmbedDim, Config.LatentDim,
            step, Normalizer.State, Gate.State, replay.Count);
        AtomicFile.WriteText(Path.Combine(directory, StateFile), JsonSerializer.Serialize(state, Json));
    }

    /// <summary>Restores everything <see cref="Save"/> wrote; the scorer must have been built with the same sizes.</summary>
    public void Load(string directory)
    {
        var state = ReadState(Path.Combine(directory, StateFile));
        using var scope = NewDisposeScope();
        var path = Path.Combine(directory, WeightsFile);
        var tensors = SafeTensors.Load(path);
        Tensor Get(string name) => tensors.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"{path}: no tensor '{name}'");

        using (no_grad())
            foreach (var (name, parameter) in Probe.named_parameters())
            {
                var saved = Get("probe." + name);
                if (!saved.shape.SequenceEqual(parameter.shape))
                    throw new InvalidDataException($"{path}: '{name}' has shape [{string.Join(", ", saved.shape)}], " +
                                                   $"the probe [{string.Join(", ", parameter.shape)}]");
                parameter.copy_(saved);
            }
        optimizer.LoadState(state.AdamStep, Get("adam.exp_avg"), Get("adam.exp_avg_sq"));
        generator.set_state(Get("rng"));
        policyTermGenerator.set_state(Get("rng.policy_term"));
        Normalizer.Restore(state.Normalizer);
        Gate.Restore(state.Gate);
        while (replay.Count > 0) replay.Dequeue().Dispose();
        for (var i = 0; i < state.ReplayBatches; i++) replay.Enqueue(ProbeBatch.Load(tensors, $"replay.{i}.", Device));
    }

    private IbScorerState ReadState(string path)
    {
        var state = JsonSerializer.Deserialize<IbScorerState>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path}: empty IB scorer state");
        if (state.Format != Format)
            throw new InvalidDataException($"{path}: format '{state.Format}', expected '{Format}'");
        if (state.PhiSource != Config.PhiSource || state.HiddenSize != HiddenSize || state.InputSize != Probe.InputSize
            || state.EmbedDim != Config.EmbedDim || state.LatentDim != Config.LatentDim)
            throw new InvalidDataException($"{path}: saved probe ({state.PhiSource}, d_h {state.HiddenSize}, d_e {state.EmbedDim}, " +
                                           $"d_z {state.LatentDim}) " +
                $"does not match this one ({Config.PhiSource}, d_h {HiddenSize}, d_e {Config.EmbedDim}, d_z {Config.LatentDim})");
        return state;
    }

    public void Dispose()
    {
        while (replay.Count > 0) replay.Dequeue().Dispose();
        optimizer.Dispose();
        generator.Dispose();
        policyTermGenerator.Dispose();
        Probe.Dispose();
    }

    /// <summary>The JSON half of a checkpoint.</summary>
    private sealed record IbScorerState(string Format, PhiSource PhiSource, int HiddenSize, int InputSize, int EmbedDim, int LatentDim,
        long AdamStep, FeatureNormalizerState Normalizer, TrustGateState Gate, int ReplayBatches);
}
