namespace Gipo.Core.Algorithm.Objective;

/// <summary>Diagnostics of one <see cref="PolicyLoss.Compute"/> call; fractions and means are over response tokens.</summary>
/// <param name="PgLoss">agg(w̃ ⊙ L^clip), the policy-gradient part of the loss.</param>
/// <param name="KlLoss">agg(ℓ^KL) before multiplying by β_KL (0 when β_KL = 0).</param>
/// <param name="ClipFractionLow">Tokens with A &lt; 0 and ρ clipped at 1 − ε_low.</param>
/// <param name="ClipFractionHigh">Tokens with A &gt; 0 and ρ clipped at 1 + ε_high.</param>
/// <param name="DualClipFraction">Tokens where the dual clip −c·A binds.</param>
/// <param name="MeanAbsWeightMinusOne">mean |w − 1| of the raw importance weight (≈ 0 but ≠ 0 even on-policy).</param>
/// <param name="MeanWeight">mean of the raw importance weight w.</param>
/// <param name="MaxWeight">max of the raw importance weight w.</param>
/// <param name="CappedFraction">Tokens with w &gt; C_IS, truncated or masked depending on the mode.</param>
/// <param name="ApproxKlProxTheta">mean(−clamp(ℓ^θ − ℓ^prox, −20, 20)), veRL's <c>ppo_kl</c>.</param>
public sealed record PolicyLossMetrics(
    double PgLoss,
    double KlLoss,
    double ClipFractionLow,
    double ClipFractionHigh,
    double DualClipFraction,
    double MeanAbsWeightMinusOne,
    double MeanWeight,
    double MaxWeight,
    double CappedFraction,
    double ApproxKlProxTheta);
