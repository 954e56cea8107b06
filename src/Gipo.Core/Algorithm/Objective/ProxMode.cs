namespace Gipo.Core.Algorithm.Objective;

/// <summary>Where the proximal log-probabilities ℓ^prox come from (key <c>gipo.algorithm.off-policy.prox</c>, docs/algorithm.md §A.4).</summary>
public enum ProxMode
{
    /// <summary>A no-grad forward of the learner weights at the start of the learner step (default).</summary>
    Recompute,

    /// <summary>ℓ^prox := ℓ^μ ("coupled"/"bypass"): standard PPO against the behaviour policy, so w ≡ 1.</summary>
    Behave,

    /// <summary>ℓ^μ + α(ℓ^θ − ℓ^μ) with α = (v^prox − v^b)/(v^θ − v^b) (AReaL's log-linear approximation).</summary>
    LogLinear,
}
