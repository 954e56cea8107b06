namespace Gipo.Cluster.Coordination;

/// <summary>
/// What the journal says one node did for a run (<c>gipo status</c>, "nodes"): the leases its samplers were given,
/// how they ended, the samples they delivered, and when the journal last mentioned the node.
/// </summary>
/// <param name="Node">The node's address (<c>host:port</c>), or <c>local</c> for a run in one process without remoting.</param>
/// <param name="LeasesIssued">Groups leased to a sampler on the node.</param>
/// <param name="LeasesCompleted">Of those, groups that came back scored: the node's groups delivered.</param>
/// <param name="LeasesReissued">Leases held by the node (as sampler, or as scorer after generation) that were taken back
/// and issued again because they expired or their holder died.</param>
/// <param name="SamplesDelivered">Trajectories of the groups the node delivered (G per group).</param>
/// <param name="SamplesPerSecond">Samples the node delivered in the last <see cref="NodeActivityTally.Window"/> before
/// the journal's last event, per second of that window; null when the journal has no times.</param>
/// <param name="LastSeenUtc">The time of the last journal event that names the node or one of its groups; null without times.</param>
public sealed record NodeActivity(
    string Node, long LeasesIssued, long LeasesCompleted, long LeasesReissued, long SamplesDelivered, double? SamplesPerSecond,
    DateTime? LastSeenUtc);
