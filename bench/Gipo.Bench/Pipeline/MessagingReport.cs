using Gipo.Cluster.Serialization;

namespace Gipo.Bench.Pipeline;

/// <summary>Messaging and serialization inside the window, counted and priced (see docs/benchmarks.md for the method).</summary>
/// <param name="MailboxMessages">Every message enqueued into any actor's mailbox (Gipo protocol, actor-internal, Akka cluster/persistence
/// plumbing).</param>
/// <param name="GipoMessages">Enqueues of Gipo protocol messages (<see cref="IGipoMessage"/>).</param>
/// <param name="AskReplies">Replies to the learner's asks (one per ask request); they complete a promise and are not enqueued, so they are
/// added.</param>
/// <param name="HopSeconds">(<paramref name="MailboxMessages"/> + <paramref name="AskReplies"/>) × the measured hop cost.</param>
/// <param name="WireBytes">Encoded bytes of the distinct Gipo messages: what would cross the network if every actor ran on its own node.</param>
/// <param name="WireCodecSeconds">Encode + decode of those messages (measured after the run on the real objects) plus the ask replies priced at the
/// median small-message codec time.</param>
/// <param name="PersistenceCalls">GipoSerializer calls during the window (journal events and snapshots of the coordinator and scheduler).</param>
/// <param name="PersistenceSeconds">Their measured time (inside the run).</param>
public sealed record MessagingReport(
    long MailboxMessages, long GipoMessages, long DistinctGipoMessages, long AskReplies, double HopSeconds, long WireBytes, double WireCodecSeconds,
    long PersistenceCalls, long PersistenceBytes, double PersistenceSeconds, IReadOnlyList<MessageTypeCount> Types)
{
    /// <summary>What this one-process run pays: hops + persistence serialization (local sends pass references, nothing else is encoded).</summary>
    public double InProcessSeconds => HopSeconds + PersistenceSeconds;

    /// <summary>Hops + persistence serialization + the wire codec: the estimate for a run whose every message crosses a node.</summary>
    public double TotalSeconds => HopSeconds + WireCodecSeconds + PersistenceSeconds;
}
