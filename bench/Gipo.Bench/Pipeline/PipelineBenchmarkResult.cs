using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Gipo.Cluster;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Runtime;
using Gipo.Cluster.Serialization;
using Gipo.Core.Algorithm;

namespace Gipo.Bench.Pipeline;

/// <summary>The result of <c>gipo-bench pipeline</c>.</summary>
public sealed record PipelineBenchmarkResult(MailboxHopCost Hop, IReadOnlyList<PipelineRunResult> Runs, IReadOnlyList<string> Overrides);
