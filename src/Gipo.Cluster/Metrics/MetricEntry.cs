namespace Gipo.Cluster.Metrics;

/// <summary>One key of a metrics line and its value, in the order the line writes them.</summary>
public sealed record MetricEntry(string Key, MetricValue Value);
