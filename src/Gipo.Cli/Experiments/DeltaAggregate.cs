using Gipo.Core.Experiments;

namespace Gipo.Cli.Experiments;

/// <summary>
/// One (task, method, baseline, metric) paired comparison: how many seeds both sides have, and Δ = method − baseline
/// with its paired bootstrap interval and one-sided p; null when no seed is shared.
/// </summary>
internal sealed record DeltaAggregate(string Metric, string Method, string Baseline, int Pairs, PairedDifference? Difference);
