using System.Text.Json.Nodes;

namespace Gipo.Cluster.Metrics;

/// <summary>A step's headline numbers for console progress.</summary>
public sealed record ProgressReport(long Step, JsonObject Line, bool Evaluation);
