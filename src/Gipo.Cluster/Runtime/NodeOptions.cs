using Akka.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Metrics;

namespace Gipo.Cluster.Runtime;

/// <summary>Options of a node that are not run settings.</summary>
/// <param name="ExtraConfig">HOCON on top of the node's (tests: <c>akka.actor.serialize-messages = on</c>).</param>
/// <param name="Progress">Called with every metrics line (console progress) when this node hosts the metrics sink.</param>
/// <param name="Membership">Roles and addresses; null: <see cref="ClusterMembership.SingleProcess"/>.</param>
/// <param name="Journal">The journal database; null: SQLite in the run folder.</param>
/// <param name="Tls">TLS for remoting between nodes (<see cref="TransportSecurity"/>), or null for plain TCP.</param>
/// <param name="Management">Cluster Bootstrap over discovery plus the health endpoint (<see cref="ClusterManagement"/>), instead of seeds.</param>
public sealed record NodeOptions(
    Config? ExtraConfig = null, Action<ProgressReport>? Progress = null,
    ClusterMembership? Membership = null, JournalDatabase? Journal = null, TlsOptions? Tls = null,
    ManagementOptions? Management = null)
{
    /// <summary>How often a node that does not host the learner asks the coordinator whether the run has finished.</summary>
    public TimeSpan FinishPoll { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a node whose learner finished the run stays in the cluster before leaving, so that the other nodes
    /// (polling every <see cref="FinishPoll"/>) still find the coordinator and learn that the run is over.
    /// </summary>
    public TimeSpan FinishLinger { get; init; } = TimeSpan.Zero;

    /// <summary>How long a node waits in a cluster without any coordinator node (after having seen one) before it ends.</summary>
    public TimeSpan OrphanTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The checkpoint a resumed run starts from (<c>gipo train --from-checkpoint</c>); null: the newest valid one.</summary>
    public CheckpointChoice? FromCheckpoint { get; init; }
}
