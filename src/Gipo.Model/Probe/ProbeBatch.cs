using Gipo.Core;
using Gipo.Core.Algorithm.InformationBottleneck;
using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Model.Probe;

/// <summary>
/// The training states of one learner batch as flat rows [N, ·] on the probe's device, owned by no dispose scope
/// (they live in the replay buffer): raw features (standardised only when trained on, with the statistics of the
/// moment), each state's trajectory label y and its weight ν = 1/(N_traj·K), so each trajectory totals 1/N_traj.
/// </summary>
internal sealed record ProbeBatch(Tensor Hidden, Tensor Confidence, Tensor Position, Tensor HasStep, Tensor Label, Tensor Weight)
    : IDisposable
{
    private static readonly string[] Fields = ["hidden", "confidence", "position", "has_step", "label", "weight"];

    public long States => Hidden.shape[0];

    /// <summary>The states k = 0..K−1 of every trajectory, labelled with its outcome.</summary>
    public static ProbeBatch From(IReadOnlyList<StepFeatures> trajectories, IReadOnlyList<bool> labels, Device device)
    {
        using var scope = NewDisposeScope();
        var n = trajectories.Count;
        var hasStep = trajectories.Select(f => StepIndicator(f.States, device)).ToArray();
        var label = trajectories.Select((f, i) => Filled(f.States, labels[i] ? 1f : 0f, device)).ToArray();
        var weight = trajectories.Select(f => Filled(f.States, 1f / ((float)n * f.States), device)).ToArray();
        return new ProbeBatch(
            cat(trajectories.Select(f => f.Hidden.to(float32).to(device)).ToArray(), 0),
            cat(trajectories.Select(f => f.Confidence.to(float32).to(device)).ToArray(), 0),
            cat(trajectories.Select(f => f.Position.to(float32).to(device)).ToArray(), 0),
            cat(hasStep, 0), cat(label, 0), cat(weight, 0)).Detached();
    }

    /// <summary>All rows of <paramref name="batches"/>, in order, as tensors of the current dispose scope.</summary>
    public static ProbeBatch Concat(IReadOnlyList<ProbeBatch> batches) => batches.Count == 1
        ? batches[0].Map(t => t.alias())
        : new ProbeBatch(
            cat(batches.Select(b => b.Hidden).ToArray(), 0), cat(batches.Select(b => b.Confidence).ToArray(), 0),
            cat(batches.Select(b => b.Position).ToArray(), 0), cat(batches.Select(b => b.HasStep).ToArray(), 0),
            cat(batches.Select(b => b.Label).ToArray(), 0), cat(batches.Select(b => b.Weight).ToArray(), 0));

    /// <summary>The probe input u of every row, standardised by <paramref name="normalizer"/>.</summary>
    public Tensor Features(FeatureNormalizer normalizer) =>
        ConfidenceFeatures.Assemble(Hidden, Confidence, Position, HasStep, normalizer);

    /// <summary>The tensors under checkpoint names <c>{prefix}hidden</c>, <c>{prefix}label</c>, ….</summary>
    public IEnumerable<(string Name, Tensor Tensor)> Named(string prefix) =>
        Fields.Zip(Tensors()).Select(p => (prefix + p.First, p.Second));

    /// <summary>The batch saved by <see cref="Named"/> under <paramref name="prefix"/>, on <paramref name="device"/>.</summary>
    public static ProbeBatch Load(IReadOnlyDictionary<string, Tensor> tensors, string prefix, Device device)
    {
        var loaded = Fields.Select(f => tensors.TryGetValue(prefix + f, out var t)
            ? t.to(device)
            : throw new InvalidDataException($"probe checkpoint lacks tensor '{prefix + f}'")).ToArray();
        return new ProbeBatch(loaded[0], loaded[1], loaded[2], loaded[3], loaded[4], loaded[5]).Detached();
    }

    private Tensor[] Tensors() => [Hidden, Confidence, Position, HasStep, Label, Weight];

    private ProbeBatch Map(Func<Tensor, Tensor> f) => new(f(Hidden), f(Confidence), f(Position), f(HasStep), f(Label), f(Weight));

    private ProbeBatch Detached() => Map(t => t.DetachFromDisposeScope());

    public void Dispose()
    {
        foreach (var t in Tensors()) t.Dispose();
    }

    // 1 for every state after the prompt state (k ≥ 1): [states] float32.
    private static Tensor StepIndicator(int states, Device device)
    {
        using var count = states.ToScalar();
        return (arange(ConstantScalars.Zero, count, ConstantScalars.One, device: device) > ConstantScalars.Zero).to(float32);
    }

    /// <summary>[states] float32 filled with <paramref name="value"/>, through an explicit, kept-alive Scalar.</summary>
    internal static Tensor Filled(int states, float value, Device device)
    {
        using var fill = value.ToScalar();
        return full(states, fill, device: device);
    }
}
