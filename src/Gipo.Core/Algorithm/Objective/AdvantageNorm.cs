namespace Gipo.Core.Algorithm.Objective;

/// <summary>How a group's rewards become sequence advantages (key <c>gipo.algorithm.advantage.norm</c>, docs/algorithm.md §A.2).</summary>
public enum AdvantageNorm
{
    /// <summary><c>grpo</c>: (R − R̄_g) / (σ_g + ε), σ unbiased; scale s_g = σ_g + ε. DeepSeekMath, veRL's default.</summary>
    Grpo,

    /// <summary><c>drgrpo</c>: R − R̄_g, no division; scale s_g = 1. Dr. GRPO.</summary>
    DrGrpo,

    /// <summary><c>rloo</c>: G/(G−1)·(R − R̄_g), i.e. R minus the mean of the other samples; scale s_g = (G−1)/G.</summary>
    Rloo,

    /// <summary><c>batchstd</c>: (R − R̄_g) / (std over the whole batch of R − R̄ + ε); scale is that denominator.</summary>
    BatchStd,
}
