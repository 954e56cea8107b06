namespace Gipo.Core.Experiments;

/// <summary>
/// Δ = method − baseline from a paired bootstrap, with its percentile interval and the fraction of resamples in
/// which Δ ≤ 0: a one-sided bootstrap p-value for "the method is not better than the baseline".
/// </summary>
public sealed record PairedDifference(ConfidenceInterval Delta, double FractionAtOrBelowZero);
