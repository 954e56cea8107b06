using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Gipo.Cluster.Coordination;

/// <summary>
/// The read model behind <c>gipo status</c>: replays a run coordinator's journal with Akka.Persistence.Query
/// (<see cref="SqlReadJournal"/>) into a fresh <see cref="RunLedger"/>, without starting the run's actors and without
/// writing. It works while the run is going (SQLite in WAL mode lets a reader see every committed write while the
/// coordinator keeps writing; a read sees a prefix of the journal that ends at a committed write) and after it ended.
/// <para>
/// The coordinator deletes only old snapshots, never events, so the whole event log is replayed from sequence number
/// 1; a snapshot is loaded only if a prefix of the events is missing. Each read takes the journal as it is at that
/// moment: a status read twice may differ while the run is going.
/// </para>
/// </summary>
public sealed class RunJournalReader
{
    private static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(30);

    private readonly ActorSystem system;

    /// <summary>
    /// A reader on <paramref name="system"/>, which must be configured with <see cref="LedgerPersistence.ForRun(JournalDatabase)"/> (a run's
    /// own actor system) or <see cref="ReadOnlyConfig(JournalDatabase)"/> (a status tool's).
    /// </summary>
    public RunJournalReader(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        this.system = system;
    }

    /// <summary>
    /// The persistence configuration of a status tool: <see cref="LedgerPersistence.ForRun(string)"/> on
    /// <paramref name="databaseFile"/>, but with read-only SQLite connections and no table creation, so reading never
    /// changes the file (a missing or empty database is an error instead of a new one).
    /// </summary>
    public static Config ReadOnlyConfig(string databaseFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(databaseFile);
        return ReadOnlyConfig(JournalDatabase.Sqlite(databaseFile));
    }

    /// <summary>The persistence configuration of a status tool on <paramref name="database"/>: no table creation, read-only where the database
    /// allows it.</summary>
    public static Config ReadOnlyConfig(JournalDatabase database) =>
        database.ReadOnlyConfig().WithFallback(LedgerPersistence.ForRun(database));

    /// <summary>
    /// Reads run <paramref name="runId"/>'s ledger status from <paramref name="databaseFile"/> in an actor system of
    /// its own (<see cref="ReadOnlyConfig(string)"/>), terminated before returning.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no such database file.</exception>
    public static async Task<LedgerStatus> ReadStatusAsync(string databaseFile, string runId, LedgerSettings settings,
                                                           CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var journal = await ReadAsync(databaseFile, runId, cancellationToken).ConfigureAwait(false);
        return journal.Replay(settings).Status;
    }

    /// <summary>
    /// Reads run <paramref name="runId"/>'s journal from <paramref name="databaseFile"/> in an actor system of its own
    /// (<see cref="ReadOnlyConfig(string)"/>), terminated before returning.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no such database file.</exception>
    public static Task<RunJournal> ReadAsync(string databaseFile, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(databaseFile);
        if (!File.Exists(databaseFile)) throw new FileNotFoundException($"no run database at '{Path.GetFullPath(databaseFile)}'", databaseFile);
        return ReadAsync(JournalDatabase.Sqlite(databaseFile), runId, cancellationToken);
    }

    /// <summary>
    /// Reads run <paramref name="runId"/>'s journal from <paramref name="database"/> in an actor system of its own
    /// (<see cref="ReadOnlyConfig(JournalDatabase)"/>), terminated before returning.
    /// </summary>
    public static async Task<RunJournal> ReadAsync(JournalDatabase database, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var system = ActorSystem.Create("gipo-status", ReadOnlyConfig(database));
        try
        {
            return await new RunJournalReader(system).ReadAsync(runId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
    }

    /// <summary>Run <paramref name="runId"/>'s ledger status as the journal has it now: the events replayed into a fresh ledger.</summary>
    /// <param name="settings">The run's ledger settings (a ledger cannot be replayed without them; other settings fail the replay).</param>
    /// <exception cref="InvalidOperationException">An event does not fit the ledger (corrupt journal or other settings).</exception>
    public async Task<LedgerStatus> ReadStatusAsync(string runId, LedgerSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var journal = await ReadAsync(runId, cancellationToken).ConfigureAwait(false);
        return journal.Replay(settings).Status;
    }

    /// <summary>Run <paramref name="runId"/>'s coordinator events as the journal has them now.</summary>
    /// <exception cref="InvalidOperationException">The journal holds something other than ledger events, has a gap, or lost a prefix no snapshot
    /// covers.</exception>
    public async Task<RunJournal> ReadAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var persistenceId = RunCoordinator.PersistenceIdFor(runId);
        var queries = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var envelopes = await queries.CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer())
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);

        var events = new List<(long SequenceNr, ILedgerEvent Event, DateTime? WrittenUtc)>(envelopes.Count);
        foreach (var envelope in envelopes)
        {
            if (envelope.Event is not ILedgerEvent e)
                throw new InvalidOperationException($"'{persistenceId}' sequence {envelope.SequenceNr} holds a " +
                                                    $"{envelope.Event?.GetType().Name ?? "null"}, not a ledger event");
            if (events.Count > 0 && envelope.SequenceNr != events[^1].SequenceNr + 1)
                throw new InvalidOperationException($"'{persistenceId}' has a gap: sequence {envelope.SequenceNr} follows {events[^1].SequenceNr}");
            events.Add((envelope.SequenceNr, e, WrittenUtc(envelope.Timestamp)));
        }
        var last = events.Count > 0 ? events[^1].SequenceNr : 0;
        if (events.Count > 0 && events[0].SequenceNr == 1)
            return new RunJournal(runId, [.. events.Select(x => x.Event)], last, null, 0) { EventTimesUtc = [.. events.Select(x => x.WrittenUtc)] };

        // Events 1..first−1 are gone (or every event is): only a snapshot at or after first−1 can stand in for them.
        var snapshot = await LoadLatestSnapshotAsync(persistenceId, cancellationToken).ConfigureAwait(false);
        if (snapshot is null)
        {
            if (events.Count == 0) return new RunJournal(runId, [], 0, null, 0);
            throw new InvalidOperationException(
                $"'{persistenceId}' starts at sequence {events[0].SequenceNr}: events 1..{events[0].SequenceNr - 1} were deleted and no " +
                $"snapshot covers them");
        }
        var (snapshotSequenceNr, ledgerSnapshot) = snapshot.Value;
        if (events.Count > 0 && snapshotSequenceNr < events[0].SequenceNr - 1)
        {
            throw new InvalidOperationException(
                $"'{persistenceId}' starts at sequence {events[0].SequenceNr} but its latest snapshot is of sequence {snapshotSequenceNr}: " +
                $"events in between are missing");
        }
        var kept = events.Where(x => x.SequenceNr > snapshotSequenceNr).ToList();
        return new RunJournal(runId, [.. kept.Select(x => x.Event)], Math.Max(last, snapshotSequenceNr), ledgerSnapshot, snapshotSequenceNr)
        {
            EventTimesUtc = [.. kept.Select(x => x.WrittenUtc)],
        };
    }

    // Akka.Persistence.Sql stamps each row with DateTime.UtcNow.Ticks when it is written.
    private static DateTime? WrittenUtc(long ticks) =>
        ticks > DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks ? new DateTime(ticks, DateTimeKind.Utc) : null;

    private async Task<(long SequenceNr, LedgerSnapshot Snapshot)?> LoadLatestSnapshotAsync(string persistenceId, CancellationToken cancellationToken)
    {
        var store = Persistence.Instance.Apply(system).SnapshotStoreFor(null);
        var reply =
            await store.Ask(new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), SnapshotTimeout, cancellationToken)
            .ConfigureAwait(false);
        return reply switch
        {
            LoadSnapshotResult { Snapshot: null } => null,
            LoadSnapshotResult { Snapshot: { Snapshot: LedgerSnapshot s } selected } => (selected.Metadata.SequenceNr, s),
            LoadSnapshotResult { Snapshot: { } other } => throw new InvalidOperationException(
                $"'{persistenceId}' snapshot {other.Metadata.SequenceNr} holds a {other.Snapshot?.GetType().Name ?? "null"}, not a ledger snapshot"),
            LoadSnapshotFailed f => throw new InvalidOperationException($"loading the snapshot of '{persistenceId}' " +
                                                                        $"failed: {f.Cause.Message}", f.Cause),
            _ => throw new InvalidOperationException($"unexpected snapshot store reply {reply?.GetType().Name ?? "null"}"),
        };
    }
}
