using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Model.Tests.Probe;

/// <summary>A batch of trajectories' probe inputs with their labels; disposes the feature tensors.</summary>
internal sealed record SyntheticBatch(StepFeatures[] Features, bool[] Labels) : IDisposable
{
    public void Dispose()
    {
        foreach (var f in Features) f.Dispose();
    }
}
