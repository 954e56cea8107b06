using Gipo.Core.Algorithm.Objective;

namespace Gipo.Model.Learning;

/// <summary>What one learner step did (GIPO-ALGORITHM §D.1, observability of ARCHITECTURE.md).</summary>
public sealed record LearnerStepMetrics
{
    public long Step { get; init; }
    public long PolicyVersion { get; init; }
    public int Groups { get; init; }
    public int Trajectories { get; init; }
    public double RewardMean { get; init; }
    public double SuccessRate { get; init; }
    public double MeanResponseLength { get; init; }
    /// <summary>Loss metrics averaged over the minibatches of the step.</summary>
    public required PolicyLossMetrics Loss { get; init; }
    public double EntropyTerm { get; init; }
    public double TokenEntropy { get; init; }
    /// <summary>H̄_b per bucket from the proximal forward (NaN where a bucket is absent).</summary>
    public double[] BucketEntropy { get; init; } = [];
    public double[] BucketTarget { get; init; } = [];
    public double[] BucketAlpha { get; init; } = [];
    public bool Calibrating { get; init; }
    public double? IbBatchAuroc { get; init; }
    public double IbAucEma { get; init; }
    public double IbRho { get; init; }
    public double IbBce { get; init; }
    public double IbSignFlipFraction { get; init; }
    /// <summary>Mean (Φ − y)² over the batch's intermediate states, scored before the probe trained on them (§C.8); null without any.</summary>
    public double? IbBrier { get; init; }
    /// <summary>mean Φ − mean y over the same states (§C.8); null without any.</summary>
    public double? IbCalibrationGap { get; init; }
    /// <summary>States the probe trained on this step (accepted and, with ib.train_on_filtered, rejected groups; replay excluded).</summary>
    public long IbTrainStates { get; init; }
    /// <summary>Rejected groups whose states the probe also trained on (ib.train_on_filtered).</summary>
    public int IbFilteredGroups { get; init; }
    /// <summary>L_IB through the policy averaged over the minibatches (ib.backprop_to_policy; before ζ); null when off.</summary>
    public double? IbPolicyLoss { get; init; }
    public double GradNorm { get; init; }
    public double Seconds { get; init; }
    /// <summary>Time in the proximal forwards (the batch's, ref_answer_prob's, filtered groups') and feature extraction.</summary>
    public double ProxSeconds { get; init; }
    /// <summary>Time in entropy statistics, scheduler, IB scoring and advantages.</summary>
    public double AdvantageSeconds { get; init; }
    /// <summary>Time in the PPO minibatch updates.</summary>
    public double PpoSeconds { get; init; }
}
