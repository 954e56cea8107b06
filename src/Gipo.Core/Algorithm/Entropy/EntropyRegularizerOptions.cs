namespace Gipo.Core.Algorithm.Entropy;

/// <summary>Settings of <see cref="EntropyRegularizer"/> (§B.7 defaults).</summary>
/// <param name="Mode">Which entropy handling runs.</param>
/// <param name="BonusCoefficient">c_H for <see cref="EntropyMode.Bonus"/>.</param>
/// <param name="CovRatio">r for Clip-Cov and KL-Cov: 2e-4 as published; use
/// <see cref="TokenLossShaping.TinyModelCovRatio"/> (2e-3) for tiny models.</param>
/// <param name="ClipCovLower">Clip-Cov's lb.</param>
/// <param name="ClipCovUpper">Clip-Cov's ub.</param>
/// <param name="KlCovCoefficient">KL-Cov's k.</param>
/// <param name="ForkingQuantile">Forking keeps tokens at or above this entropy quantile.</param>
/// <param name="Seed">Seeds Clip-Cov's random pick.</param>
public sealed record EntropyRegularizerOptions(
    EntropyMode Mode,
    double BonusCoefficient = 0,
    double CovRatio = TokenLossShaping.DefaultCovRatio,
    double ClipCovLower = 1,
    double ClipCovUpper = 5,
    double KlCovCoefficient = 1,
    double ForkingQuantile = 0.8,
    int Seed = 0);
