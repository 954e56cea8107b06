namespace Gipo.Core.Algorithm.Entropy;

/// <summary>Entropy handling on the shared loss path (key <c>gipo.algorithm.entropy.mode</c>, §B.7).</summary>
public enum EntropyMode
{
    /// <summary>No entropy term.</summary>
    None,

    /// <summary>L −= c_H·token-mean(H_t) (verl <c>entropy_coeff</c>).</summary>
    Bonus,

    /// <summary>
    /// Skywork-OR1's adaptive entropy control: GSEC with one bucket and the gated mode. Configure it as
    /// <see cref="EntropyScheduler.CreateFor"/> does (K_B = 1, <c>Mode = gated</c>) and bucket tokens with
    /// <see cref="StepBuckets.Assign"/> at K_B = 1; the loss term is then the GSEC term.
    /// </summary>
    AdaptiveGlobal,

    /// <summary>Clip-Cov (Cui et al. 2025): zero the PG loss of a few random high-covariance tokens.</summary>
    ClipCov,

    /// <summary>KL-Cov (Cui et al. 2025): a |Δlog p| penalty instead of clipping on the top-covariance tokens.</summary>
    KlCov,

    /// <summary>Forking tokens (Wang et al. 2025): PG loss only on the top-20% entropy tokens.</summary>
    Forking,

    /// <summary>The group-sequential entropy constraint, §B.1–B.6.</summary>
    Gsec,
}
