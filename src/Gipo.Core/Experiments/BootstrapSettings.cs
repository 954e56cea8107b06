namespace Gipo.Core.Experiments;

/// <summary>
/// How a bootstrap is run: the number of resamples, the seed of its random draws (the same seed gives the same
/// interval, so a report can be regenerated bit for bit) and the two-sided confidence level of the percentile interval.
/// </summary>
public sealed record BootstrapSettings(int Resamples, int Seed, double Level = 0.95)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (Resamples < 1) throw new ArgumentException($"bootstrap resamples must be >= 1 (got {Resamples})");
        if (Level is <= 0 or >= 1) throw new ArgumentException($"bootstrap confidence level must be in (0, 1) (got {Level})");
    }
}
