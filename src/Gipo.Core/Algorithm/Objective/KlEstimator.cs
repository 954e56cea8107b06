namespace Gipo.Core.Algorithm.Objective;

/// <summary>Per-token estimator of KL(π_θ ‖ π_ref) from the sampled token's log-probabilities (docs/algorithm.md §A.6, veRL
/// <c>kl_penalty</c>).</summary>
public enum KlEstimator
{
    /// <summary>k1 (veRL <c>"kl"</c>): ℓ^θ − ℓ^ref. Unbiased, high variance, can be negative.</summary>
    K1,

    /// <summary>k2 (veRL <c>"mse"</c>): ½(ℓ^θ − ℓ^ref)².</summary>
    K2,

    /// <summary>k3 (veRL <c>"low_var_kl"</c>, default): e^d − d − 1 with d = clamp(ℓ^ref − ℓ^θ, −20, 20), clamped to [−10, 10].</summary>
    K3,
}
