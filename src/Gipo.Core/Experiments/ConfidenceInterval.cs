namespace Gipo.Core.Experiments;

/// <summary>
/// A point estimate with a percentile bootstrap interval [<paramref name="Lower"/>, <paramref name="Upper"/>].
/// </summary>
/// <param name="Estimate">The statistic on the data as observed (not the mean of the resamples).</param>
public sealed record ConfidenceInterval(double Estimate, double Lower, double Upper);
