namespace Gipo.Core.Algorithm.Objective;

/// <summary>
/// Settings of the base objective (docs/algorithm.md §A.3–A.6). No parameter has a default: the values come from
/// <c>hocon/gipo.conf</c> and the preset (§D.3).
/// </summary>
/// <param name="EpsLow">ε_low: the ratio is clipped below at 1 − ε_low (0 ≤ ε_low &lt; 1).</param>
/// <param name="EpsHigh">ε_high: the ratio is clipped above at 1 + ε_high (DAPO clip-higher: 0.28; PPO: 0.2).</param>
/// <param name="DualClipC">c of dual clip: for A &lt; 0 the token loss is at most −c·A (c &gt; 1, veRL <c>clip_ratio_c</c>).</param>
/// <param name="Importance">How the behaviour importance weight is bounded.</param>
/// <param name="ImportanceCap">C_IS (≥ 1): 2.0 for truncate, 5.0 for mask.</param>
/// <param name="Aggregation">How per-token losses become a scalar (<c>gipo.algorithm.loss.aggregation</c>).</param>
/// <param name="MaxResponseLength">L_max, the constant normaliser of <see cref="LossAggregation.SeqMeanTokenSumNorm"/>; unused otherwise.</param>
/// <param name="KlBeta">β_KL (≥ 0); 0 skips the KL term and needs no reference log-probs.</param>
/// <param name="KlEstimator">The per-token KL estimator (docs/algorithm.md §A.6).</param>
public sealed record PolicyLossConfig(
    double EpsLow,
    double EpsHigh,
    double DualClipC,
    ImportanceMode Importance,
    double ImportanceCap,
    LossAggregation Aggregation,
    int MaxResponseLength,
    double KlBeta,
    KlEstimator KlEstimator)
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!double.IsFinite(EpsLow) || EpsLow < 0 || EpsLow >= 1)
            throw new ArgumentOutOfRangeException(nameof(EpsLow), EpsLow, "eps_low must be in [0, 1)");
        if (!double.IsFinite(EpsHigh) || EpsHigh < 0)
            throw new ArgumentOutOfRangeException(nameof(EpsHigh), EpsHigh, "eps_high must be finite and >= 0");
        // Dual clip bounds the loss of a negative-advantage token above the clipped branch; c ≤ 1 would cut into it.
        if (!double.IsFinite(DualClipC) || DualClipC <= 1)
            throw new ArgumentOutOfRangeException(nameof(DualClipC), DualClipC, "the dual-clip constant c must be finite and > 1");
        PolicyLoss.RequireImportance(Importance, ImportanceCap, nameof(ImportanceCap));
        PolicyLoss.RequireAggregation(Aggregation, MaxResponseLength, nameof(MaxResponseLength));
        if (!double.IsFinite(KlBeta) || KlBeta < 0)
            throw new ArgumentOutOfRangeException(nameof(KlBeta), KlBeta, "kl beta must be finite and >= 0");
        if (!Enum.IsDefined(KlEstimator))
            throw new ArgumentOutOfRangeException(nameof(KlEstimator), KlEstimator, "unknown KL estimator");
    }
}
