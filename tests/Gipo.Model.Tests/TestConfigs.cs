using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Model.Tests;

/// <summary>
/// The IB config the probe and scorer tests build on: an explicit test input, chosen for these tests, that a test varies
/// with <c>with</c>. It is not the product's setting; that lives once, in <c>hocon/gipo.conf</c>.
/// </summary>
internal static class TestConfigs
{
    /// <summary>An IB config with a 64-wide probe, a 16-wide bottleneck, 2 epochs of minibatch 256 and 2 replayed batches.</summary>
    public static IbConfig Ib { get; } = new()
    {
        EmbedDim = 64, LatentDim = 16, BetaIb = 1e-3, ProbeLearningRate = 1e-3, Epochs = 2, MinibatchSize = 256, ReplayBatches = 2,
        WeightIb = 0.5, LambdaS = 0.5, ClipIb = 1.0, WarmupSteps = 20, AucLow = 0.55, AucHigh = 0.75, PhiSpace = PhiSpace.Prob,
        PhiSource = PhiSource.Probe, RefAnswerPrefix = "A:", RefAnswerSuffix = "\n", RefAnswerMicrobatch = 256,
        UniformGroups = false, BackpropToPolicy = false, BackpropCoefficient = 1e-3, TrainOnFiltered = false,
    };
}
