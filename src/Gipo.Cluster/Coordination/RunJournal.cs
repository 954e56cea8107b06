namespace Gipo.Cluster.Coordination;

/// <summary>
/// What the journal holds of one run's coordinator, in journal order.
/// </summary>
/// <param name="RunId">The run.</param>
/// <param name="Events">The ledger events after <paramref name="SnapshotSequenceNr"/> (all of them when there is no snapshot).</param>
/// <param name="LastSequenceNr">The journal sequence number of the last event read; 0 for an empty journal.</param>
/// <param name="Snapshot">
/// Null whenever the journal still holds every event from sequence number 1 (the coordinator deletes old snapshots,
/// never events, so this is the normal case). Set only when a prefix of the events is gone: then the latest snapshot
/// that covers the gap, and <see cref="Events"/> are the events after it.
/// </param>
/// <param name="SnapshotSequenceNr">The sequence number <paramref name="Snapshot"/> was taken at; 0 without one.</param>
public sealed record RunJournal(string RunId, IReadOnlyList<ILedgerEvent> Events, long LastSequenceNr, LedgerSnapshot? Snapshot,
                                long SnapshotSequenceNr)
{
    /// <summary>Every event since the run began is in <see cref="Events"/> (what <see cref="LedgerAudit"/> needs).</summary>
    public bool IsComplete => Snapshot is null;

    /// <summary>Nothing was ever journaled for this run (wrong run id or database, or the run has not started).</summary>
    public bool IsEmpty => LastSequenceNr == 0;

    /// <summary>
    /// When each of <see cref="Events"/> was written (the journal's own timestamp, UTC; null where a row has none), index by index; null when the
    /// journal was not read from a database (an in-memory journal). Only <see cref="NodeActivityTally"/> uses them.
    /// </summary>
    public IReadOnlyList<DateTime?>? EventTimesUtc { get; init; }

    /// <summary>The ledger these events (on top of the snapshot, if any) describe.</summary>
    public RunLedger Replay(LedgerSettings settings) => RunLedger.Replay(settings, Events, Snapshot);
}
