namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// Settings of <see cref="EntropyRegularizer"/> (§B.7). The <c>gipo.algorithm.entropy</c> values have no default here: they
/// come from <c>hocon/gipo.conf</c>.
/// </summary>
/// <param name="Mode">Which entropy handling runs.</param>
/// <param name="BonusCoefficient">c_H for <see cref="EntropyMode.Bonus"/>.</param>
/// <param name="CovRatio">r for Clip-Cov and KL-Cov (2e-4 as published; tiny models want about 2e-3).</param>
/// <param name="ClipCovLower">Clip-Cov's lb.</param>
/// <param name="ClipCovUpper">Clip-Cov's ub.</param>
/// <param name="KlCovCoefficient">KL-Cov's k.</param>
/// <param name="ForkingQuantile">Forking keeps tokens at or above this entropy quantile.</param>
/// <param name="Seed">Seeds Clip-Cov's random pick.</param>
public sealed record EntropyRegularizerOptions(
    EntropyMode Mode,
    double BonusCoefficient,
    double CovRatio,
    double ClipCovLower,
    double ClipCovUpper,
    double KlCovCoefficient,
    double ForkingQuantile,
    int Seed = 0);
