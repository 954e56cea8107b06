using Gipo.Core.Algorithm.Objective;

namespace Gipo.Model.Learning;

/// <summary>What one learner step did (docs/algorithm.md §D.1; the keys it logs: docs/metrics.md).</summary>
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
    /// <summary>α_b the PPO minibatches used: λ_b, or λ_b·1[H̃_b &lt; H*_b] under gsec.mode = gated (§B.6).</summary>
    public double[] BucketAlpha { get; init; } = [];
    /// <summary>ν_b, the upper-bound multiplier (§B.6); all 0 when gsec.upper-mult = 0 or while calibrating.</summary>
    public double[] BucketNu { get; init; } = [];
    /// <summary>H^max_b = u·H^ref_b that ν_b enforces; 0 when off or not yet calibrated.</summary>
    public double[] BucketUpper { get; init; } = [];
    public bool Calibrating { get; init; }
    /// <summary>
    /// ‖∇θ L_B‖ / ‖∇θ L‖ on the step's first PPO minibatch, both before clipping: the share of the update the entropy
    /// term steers. 0 when L_B is identically 0 (calibration, all multipliers 0, modes without a term); null when the
    /// total gradient is 0.
    /// </summary>
    public double? EntropyGradShare { get; init; }
    /// <summary>agg(ℓ^KL) averaged over the minibatches, before β_KL (§A.6); null when kl.beta = 0.</summary>
    public double? KlLoss { get; init; }
    /// <summary>Tokens Clip-Cov zeroed or KL-Cov replaced, summed over the step's minibatches (§B.7); null for other modes.</summary>
    public long? CovSelectedTokens { get; init; }
    public double? IbBatchAuroc { get; init; }
    public double IbAucEma { get; init; }
    public double IbRho { get; init; }
    public double IbBce { get; init; }
    public double IbSignFlipFraction { get; init; }
    /// <summary>
    /// Within-group AUROC (<see cref="Gipo.Core.Algorithm.InformationBottleneck.AurocBreakdown.WithinGroup"/>): the mean
    /// over groups with both outcomes of the AUROC of their intermediate states, scored before the probe trained on
    /// them; null when no group qualifies.
    /// </summary>
    public double? IbWithinGroupAuroc { get; init; }
    /// <summary>Groups <see cref="IbWithinGroupAuroc"/> averages over.</summary>
    public int IbWithinGroupAurocGroups { get; init; }
    /// <summary>AUROC of the states at step k = 1..K_B (element k−1, the last pooling k ≥ K_B); NaN where undefined, empty without IB.</summary>
    public double[] IbAurocByStep { get; init; } = [];
    /// <summary>Mean Ā^IB = clip(A^IB)/s_g of failing trajectories, before w_eff (§C.8); null without any or without IB.</summary>
    public double? IbCreditFailing { get; init; }
    /// <summary>Mean Ā^IB of succeeding trajectories; a probe that ranks well gives them the higher number.</summary>
    public double? IbCreditSucceeding { get; init; }
    /// <summary>ν-weighted KL(p(z|u) ‖ N(0, I)) per state of the probe's last training epoch (nats, §C.8); null without a probe.</summary>
    public double? IbKlRate { get; init; }
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
