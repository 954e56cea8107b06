using Gipo.Core.Experiments;

namespace Gipo.Cli.Experiments;

/// <summary>
/// One (task, method, metric) cell: how many seeds have the metric out of those planned, mean ± std over seeds and
/// the hierarchical bootstrap interval; both null when no seed has it.
/// </summary>
internal sealed record MetricAggregate(string Metric, string Method, int Seeds, int Planned, SeedSummary? Summary, ConfidenceInterval? Interval);
