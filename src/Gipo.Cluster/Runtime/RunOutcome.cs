using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Cluster.Routing;
using Akka.Pattern;
using Akka.Routing;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Fencing;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Rollouts;
using Gipo.Cluster.Sampling;
using Gipo.Cluster.Scoring;
using Gipo.Cluster.Serialization;
using Gipo.Cluster.Telemetry;
using Gipo.Cluster.Weights;
using Gipo.Core.Algorithm;
using Gipo.Core.Tasks;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Native;
using Gipo.Model.Sampling;

namespace Gipo.Cluster.Runtime;

/// <summary>How a training run ended.</summary>
public sealed record RunOutcome(bool Finished, long Step, long PolicyVersion, double? EvalPassAt1, string? Checkpoint, string? Error)
{
    /// <summary>Why it ended; <see cref="RunEnding.Finished"/> whenever <see cref="Finished"/>.</summary>
    public RunEnding Ending { get; init; } = Finished ? RunEnding.Finished : RunEnding.Failed;
}
