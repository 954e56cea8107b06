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

/// <summary>The local cost of one mailbox hop (send, enqueue, schedule, dequeue), from ping-pong between two actors.</summary>
/// <param name="DefaultSeconds">Both actors on the default dispatcher.</param>
/// <param name="PinnedSeconds">One on the default dispatcher, one on the pinned torch dispatcher (samplers, learner).</param>
public sealed record MailboxHopCost(double DefaultSeconds, double PinnedSeconds, int RoundTrips)
{
    /// <summary>The price of every hop in the estimate: the dearer of the two.</summary>
    public double PerHopSeconds => Math.Max(DefaultSeconds, PinnedSeconds);
}
