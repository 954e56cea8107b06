using Gipo.Cluster.Coordination;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary><see cref="NodeActivityTally"/>: per-node lease counts, samples delivered, recent rate and last seen from ledger events.</summary>
public sealed class NodeActivityTallyTests
{
    private const string A = "akka.tcp://gipo@10.0.0.1:4053/user/sampler-0#11";
    private const string B = "akka.tcp://gipo@10.0.0.2:4054/user/sampler-0#22";
    private const string ScorerA = "akka.tcp://gipo@10.0.0.1:4053/user/scorer#33";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact(DisplayName = "A lease holder's node is its actor path's host:port; a local path is 'local'; anything else is itself")]
    public void Node_of_a_holder()
    {
        Assert.Equal("10.0.0.1:4053", NodeActivityTally.NodeOf(A));
        Assert.Equal("local", NodeActivityTally.NodeOf("akka://gipo/user/sampler-0#5"));
        Assert.Equal("sampler-1", NodeActivityTally.NodeOf("sampler-1"));
    }

    [Fact(DisplayName = "Per node: leases issued, completed (scored) and re-issued (expired or holder died), samples delivered, " +
                        "samples/s over the last minute, last seen")]
    public void Counts_per_node()
    {
        var tally = new NodeActivityTally(Lease);
        var t = T0;
        // Node A: 3 leases; two scored (4 samples each), the third re-issued when A died.
        // Node B: 2 leases; one scored, one expired while B's scorer (on A) held it — counted against A, the holder.
        tally.Add(Issued(1, A, t), t);
        tally.Add(Issued(2, B, t), t);
        tally.Add(Issued(3, A, t), t);
        tally.Add(new GroupGenerated(1, ScorerA, t.AddSeconds(10) + Lease), t.AddSeconds(10));
        tally.Add(new GroupScored(1, 0, true, 4, 0.5), t.AddSeconds(11));
        tally.Add(new GroupGenerated(2, ScorerA, t.AddSeconds(20) + Lease), t.AddSeconds(20));
        tally.Add(new GroupDropped(2, DropReason.LeaseExpiredReissued), t.AddSeconds(55));
        tally.Add(new GroupScored(3, 0, true, 4, 0.5), t.AddSeconds(90));
        tally.Add(Issued(4, A, t.AddSeconds(91)), t.AddSeconds(91));
        tally.Add(Issued(5, B, t.AddSeconds(92)), t.AddSeconds(92));
        tally.Add(new GroupScored(5, 0, true, 4, 0.5), t.AddSeconds(100));
        tally.Add(new GroupDropped(4, DropReason.SamplerDiedReissued), t.AddSeconds(120));
        // A rollback's drop is no re-issue of a lease, and a consumed group's later drop is not counted again.
        tally.Add(new GroupDropped(1, DropReason.ResumedRollback), t.AddSeconds(121));

        var nodes = tally.Nodes();
        Assert.Equal(["10.0.0.1:4053", "10.0.0.2:4054"], nodes.Select(n => n.Node));
        var (a, b) = (nodes[0], nodes[1]);
        Assert.Equal((3L, 2L, 2L, 8L), (a.LeasesIssued, a.LeasesCompleted, a.LeasesReissued, a.SamplesDelivered));
        Assert.Equal((2L, 1L, 0L, 4L), (b.LeasesIssued, b.LeasesCompleted, b.LeasesReissued, b.SamplesDelivered));
        // The window is the 60 s before the last event (t+121): A delivered 4 samples in it (t+90), B 4 (t+100).
        Assert.Equal(Math.Round(4 / 60.0, 3), a.SamplesPerSecond);
        Assert.Equal(Math.Round(4 / 60.0, 3), b.SamplesPerSecond);
        Assert.Equal(t.AddSeconds(91), a.LastSeenUtc); // a drop is not the node being seen
        Assert.Equal(t.AddSeconds(100), b.LastSeenUtc);
    }

    [Fact(DisplayName = "A journal read without write times (an old or in-memory one) dates leases by their deadlines; " +
                        "a node idle for the last minute has rate 0")]
    public void Without_write_times()
    {
        var journal = new RunJournal("r", [
            Issued(1, A, T0), new GroupGenerated(1, ScorerA, T0.AddSeconds(5) + Lease), new GroupScored(1, 0, true, 4, 0.5),
            Issued(2, B, T0.AddSeconds(100)),
        ], 4, null, 0);
        var nodes = NodeActivityTally.Of(journal, Lease);
        Assert.Equal(T0.AddSeconds(5), nodes[0].LastSeenUtc); // the scored event has no time of its own: the last known one
        Assert.Equal(0.0, nodes[0].SamplesPerSecond);
        Assert.Equal(T0.AddSeconds(100), nodes[1].LastSeenUtc);
        Assert.Equal((1L, 0L, 0L), (nodes[1].LeasesIssued, nodes[1].LeasesCompleted, nodes[1].SamplesDelivered));
    }

    [Fact(DisplayName = "Nothing leased: no nodes; a single instant: no rate")]
    public void Empty_and_instant()
    {
        Assert.Empty(new NodeActivityTally(Lease).Nodes());
        var tally = new NodeActivityTally(Lease);
        tally.Add(Issued(1, A, T0), T0);
        Assert.Null(Assert.Single(tally.Nodes()).SamplesPerSecond);
    }

    private static GroupIssued Issued(long id, string holder, DateTime at) => new(id, id, id, (ulong)id, 0, 0, holder, at + Lease);
}
