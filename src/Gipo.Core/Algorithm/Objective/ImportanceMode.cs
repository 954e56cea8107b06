namespace Gipo.Core.Algorithm.Objective;

/// <summary>How the behaviour importance weight w = exp(ℓ^prox − ℓ^μ) is bounded (key <c>gipo.algorithm.off-policy.is-mode</c>, docs/algorithm.md
/// §A.4).</summary>
public enum ImportanceMode
{
    /// <summary>w̃ = min(w, C): truncated importance sampling (TIS), default C = 2.</summary>
    Truncate,

    /// <summary>w̃ = w·1[w ≤ C]: tokens above the cap leave the loss (AReaL <c>behav_imp_weight_cap</c>), usual C = 5.</summary>
    Mask,
}
