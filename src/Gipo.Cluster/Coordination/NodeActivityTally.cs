using Akka.Actor;

namespace Gipo.Cluster.Coordination;

/// <summary>
/// Folds a run's ledger events into <see cref="NodeActivity"/> per node: whether each node that joined is getting work,
/// read from the journal alone. A lease holder is a serialized actor path, so its node is the path's address; the
/// events' times are the journal's write times (<see cref="RunJournal.EventTimesUtc"/>), or, for a journal read without
/// them, the coordinator's clock as the lease deadlines carry it (deadline − lease duration).
/// </summary>
public sealed class NodeActivityTally
{
    /// <summary>The span samples/s is measured over, ending at the journal's last event.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private readonly TimeSpan leaseDuration;
    private readonly Dictionary<string, Counts> nodes = new(StringComparer.Ordinal);

    // Groups whose lease is not over yet: the node the lease was issued to and the node holding it now.
    private readonly Dictionary<long, (string Issuer, string Holder)> open = [];

    // (time, node, samples) of every delivery, for the recent-window rate.
    private readonly List<(DateTime At, string Node, int Samples)> deliveries = [];

    private DateTime? first;
    private DateTime? last;

    /// <summary>A tally for a run whose leases last <paramref name="leaseDuration"/> (to date events read without times).</summary>
    public NodeActivityTally(TimeSpan leaseDuration)
    {
        this.leaseDuration = leaseDuration;
    }

    /// <summary>The per-node activity of <paramref name="journal"/>'s events (after its snapshot, if it has one).</summary>
    public static IReadOnlyList<NodeActivity> Of(RunJournal journal, TimeSpan leaseDuration)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var tally = new NodeActivityTally(leaseDuration);
        var times = journal.EventTimesUtc is { } t && t.Count == journal.Events.Count ? t : null;
        for (var i = 0; i < journal.Events.Count; i++) tally.Add(journal.Events[i], times?[i]);
        return tally.Nodes();
    }

    /// <summary>
    /// The node of lease holder <paramref name="holder"/>: <c>host:port</c> of its actor path's address, <c>local</c>
    /// for a path without a host, the holder itself when it is not an actor path.
    /// </summary>
    public static string NodeOf(string holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        return ActorPath.TryParse(holder, out var path) ? NodeOf(path.Address) : holder;
    }

    /// <summary>The node of <paramref name="address"/>: <c>host:port</c>, or <c>local</c> without a host.</summary>
    public static string NodeOf(Address address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Host is null ? "local" : $"{address.Host}:{address.Port}";
    }

    /// <summary>Folds one event written at <paramref name="atUtc"/> (null: unknown).</summary>
    public void Add(ILedgerEvent e, DateTime? atUtc)
    {
        ArgumentNullException.ThrowIfNull(e);
        var at = atUtc ?? e switch
        {
            GroupIssued x => x.DeadlineUtc - leaseDuration,
            GroupGenerated x => x.DeadlineUtc - leaseDuration,
            _ => last,
        };
        if (at is { } known)
        {
            first ??= known;
            if (last is null || known > last) last = known;
        }
        switch (e)
        {
            case GroupIssued x:
                {
                    var node = NodeOf(x.LeaseHolder);
                    open[x.GroupId] = (node, node);
                    Seen(node, at).Issued++;
                    break;
                }
            case GroupGenerated x when open.TryGetValue(x.GroupId, out var lease):
                {
                    var holder = NodeOf(x.Holder);
                    open[x.GroupId] = lease with { Holder = holder };
                    Seen(lease.Issuer, at);
                    Seen(holder, at);
                    break;
                }
            case GroupScored x when open.Remove(x.GroupId, out var lease):
                {
                    var counts = Seen(lease.Issuer, at);
                    counts.Completed++;
                    counts.Samples += x.Samples;
                    if (at is { } when) deliveries.Add((when, lease.Issuer, x.Samples));
                    break;
                }
            case GroupDropped x when open.Remove(x.GroupId, out var lease):
                if (x.Reason is DropReason.LeaseExpiredReissued or DropReason.SamplerDiedReissued) Seen(lease.Holder, null).Reissued++;
                break;
        }
    }

    /// <summary>Every node seen so far, by address.</summary>
    public IReadOnlyList<NodeActivity> Nodes()
    {
        var span = first is { } f && last is { } l ? l - f : TimeSpan.Zero;
        var window = span < Window ? span : Window;
        return [.. nodes.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => new NodeActivity(
            n.Key, n.Value.Issued, n.Value.Completed, n.Value.Reissued, n.Value.Samples,
            last is { } end && window > TimeSpan.Zero
                ? Math.Round(deliveries.Where(d => d.Node == n.Key && d.At > end - window).Sum(d => (long)d.Samples) / window.TotalSeconds, 3)
                : null,
            n.Value.LastSeen))];
    }

    private Counts Seen(string node, DateTime? at)
    {
        if (!nodes.TryGetValue(node, out var counts)) nodes[node] = counts = new Counts();
        if (at is { } when && (counts.LastSeen is null || when > counts.LastSeen)) counts.LastSeen = when;
        return counts;
    }

    private sealed class Counts
    {
        public long Issued;
        public long Completed;
        public long Reissued;
        public long Samples;
        public DateTime? LastSeen;
    }
}
