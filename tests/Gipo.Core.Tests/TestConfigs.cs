using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Core.Algorithm.Objective;

namespace Gipo.Core.Tests;

/// <summary>
/// Algorithm configs the tests build on: explicit test inputs, chosen for the tests, that a test varies with <c>with</c>.
/// They are not the product's settings; those live once, in <c>hocon/gipo.conf</c>, and reach the code through the
/// Cluster's settings reader.
/// </summary>
internal static class TestConfigs
{
    /// <summary>A DAPO-style clip (ε_low 0.2, ε_high 0.28, dual clip c = 3), truncated IS at 2, token-mean, no KL.</summary>
    public static PolicyLossConfig Loss { get; } = new(
        EpsLow: 0.2, EpsHigh: 0.28, DualClipC: 3.0, Importance: ImportanceMode.Truncate, ImportanceCap: 2.0,
        Aggregation: LossAggregation.TokenMean, MaxResponseLength: 0, KlBeta: 0.0, KlEstimator: KlEstimator.K3);

    /// <summary>An IB config with a small probe and a gate that opens between AUROC 0.55 and 0.75 after 20 steps.</summary>
    public static IbConfig Ib { get; } = new()
    {
        EmbedDim = 64, LatentDim = 16, BetaIb = 1e-3, ProbeLearningRate = 1e-3, Epochs = 2, MinibatchSize = 256, ReplayBatches = 2,
        WeightIb = 0.5, LambdaS = 0.5, ClipIb = 1.0, WarmupSteps = 20, AucLow = 0.55, AucHigh = 0.75, PhiSpace = PhiSpace.Prob,
        PhiSource = PhiSource.Probe, RefAnswerPrefix = "A:", RefAnswerSuffix = "\n", RefAnswerMicrobatch = 256,
        UniformGroups = false, BackpropToPolicy = false, BackpropCoefficient = 1e-3, TrainOnFiltered = false,
    };

    /// <summary>A Lagrangian scheduler without PID: κ 0.9 → 0.6 over 395 steps after 5 calibration steps.</summary>
    public static EntropySchedulerConfig Scheduler { get; } = new(
        Kappa0: 0.9, Kappa1: 0.6, TAnneal: 395, DMin: 0.5, HFloor: 0.01, UpperMult: 1.5, EtaLambda: 0.1, LambdaMax: 0.05,
        EmaAlpha: 0.8, NCal: 5, Mode: EntropySchedulerConfig.Lagrangian, Position: EntropySchedulerConfig.Absolute,
        Pid: false, Kp: 0, Ki: 0, Kd: 0);

    /// <summary>A GSEC + IB setting of 16 groups of 8, with <see cref="Loss"/>, <see cref="Scheduler"/> and <see cref="Ib"/>.</summary>
    public static AlgorithmSettings Algorithm { get; } = new()
    {
        GroupsPerStep = 16, GroupSize = 8, MaxNewTokens = 96, Temperature = 1.0, AdvantageNorm = AdvantageNorm.Grpo, Loss = Loss,
        DynamicSampling = true, MaxGenRounds = 3, MaxEmptyRounds = 50, Overlong = null, Prox = ProxMode.Recompute, MaxStaleness = 2,
        LearningRate = 1e-4, WarmupSteps = 0, WeightDecay = 0, GradClip = 1.0, PpoEpochs = 1, Minibatches = 4,
        Entropy = Entropy(EntropyMode.Gsec) with { CovRatio = 2e-3 }, StepDelimiter = "\n", MinStepLength = 1, AnswerMarker = "^A:",
        Buckets = 6, Scheduler = Scheduler, IbEnabled = true, Ib = Ib,
    };

    /// <summary>
    /// Entropy handling <paramref name="mode"/> with the published Clip-Cov/KL-Cov ratio 2e-4, Clip-Cov bounds [1, 5], KL-Cov
    /// k = 1, forking quantile 0.8 and no entropy bonus.
    /// </summary>
    public static EntropyRegularizerOptions Entropy(EntropyMode mode) => new(
        mode, BonusCoefficient: 0, CovRatio: 2e-4, ClipCovLower: 1, ClipCovUpper: 5, KlCovCoefficient: 1, ForkingQuantile: 0.8);
}
