using Akka.Actor;
using Gipo.Cluster.Coordination;
using Xunit.Abstractions;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>
/// <see cref="RunJournalReader"/> against a live <see cref="RunCoordinator"/> on the real SQLite journal: the status it
/// replays from the journal (in a second actor system, as <c>gipo status</c> would) equals the coordinator's own.
/// </summary>
public sealed class RunJournalReaderSpecs : SqliteTestKit
{
    private static readonly LedgerSettings Ledger = Settings(groupsPerStep: 2, groupSize: 4, maxStaleness: 1, promptCount: 7, leaseSeconds: 600);

    public RunJournalReaderSpecs(ITestOutputHelper output) : base(output)
    {
    }

    [Fact(DisplayName = "While the run goes on, a second actor system reads the same status from the journal as the coordinator's GetStatus, " +
                        "and the audit is clean")]
    public async Task Status_from_the_journal_while_the_run_goes_on()
    {
        // Snapshots every 5 events (old ones deleted): the reader still replays every event from sequence 1.
        var coordinator = Sys.ActorOf(RunCoordinator.Props("live", Ledger, new RunCoordinatorOptions(SnapshotEvery: 5)), "coordinator");
        var sampler = CreateTestProbe("sampler");
        var learner = CreateTestProbe("learner");
        await Step(coordinator, sampler, learner, 1);
        await Step(coordinator, sampler, learner, 2);
        coordinator.Tell(new CommitCheckpoint(2, 2, "ck/2", "aa"), learner.Ref);
        await learner.ExpectMsgAsync<RunStatus>();
        await Step(coordinator, sampler, learner, 3);
        coordinator.Tell(new RequestWork("s", 3), sampler.Ref); // one group in flight
        await sampler.ExpectMsgAsync<WorkLease>();
        var expected = (await coordinator.Ask<RunStatus>(GetStatus.Instance)).Ledger;
        Assert.Equal(new GroupCounts(1, 0, 0, 6, 0), expected.Groups);
        // Snapshots are saved asynchronously (the store's first write also opens its connection and tables): awaited, not sampled.
        await AwaitAssertAsync(() => Assert.True(SqliteTestDatabase.Scalar(Database, "SELECT COUNT(*) FROM snapshot") > 0, "no snapshot stored"),
                               TimeSpan.FromSeconds(10));

        var statusTool = ActorSystem.Create("gipo-status", RunJournalReader.ReadOnlyConfig(Database));
        try
        {
            var reader = new RunJournalReader(statusTool);
            Assert.Equal(expected, await reader.ReadStatusAsync("live", Ledger));

            var journal = await reader.ReadAsync("live");
            Assert.True(journal.IsComplete);
            Assert.Equal(SqliteTestDatabase.Scalar(Database, "SELECT COUNT(*) FROM journal WHERE persistence_id = 'run-live-coordinator'"),
                         (long)journal.Events.Count);
            Assert.Equal(journal.Events.Count, (int)journal.LastSequenceNr);
            var audit = LedgerAudit.Run(Ledger, journal.Events);
            Assert.True(audit.Clean, string.Join("\n", audit.Problems()));
            Assert.Equal(expected, audit.Ledger);
            Assert.Equal((3L, 3L, 6L), (audit.FinalLearnerStep, audit.FinalPolicyVersion, audit.Counts.Consumed));

            // The run goes on undisturbed, and the next read sees the new events.
            await Step(coordinator, sampler, learner, 4, leased: 1);
            var later = (await coordinator.Ask<RunStatus>(GetStatus.Instance)).Ledger;
            Assert.Equal(4, later.LearnerStep);
            Assert.Equal(later, await reader.ReadStatusAsync("live", Ledger));
        }
        finally
        {
            await statusTool.Terminate();
        }

        // The one-call form (its own read-only actor system), and a reader inside the run's own actor system.
        var now = (await coordinator.Ask<RunStatus>(GetStatus.Instance)).Ledger;
        Assert.Equal(now, await RunJournalReader.ReadStatusAsync(Database, "live", Ledger));
        Assert.Equal(now, await new RunJournalReader(Sys).ReadStatusAsync("live", Ledger));
    }

    [Fact(DisplayName = "After the run: a rollback is replayed too; a deleted event prefix is covered by the latest snapshot")]
    public async Task After_the_run_with_rollback_and_a_deleted_prefix()
    {
        const int SnapshotEvery = 4;
        var coordinator = Sys.ActorOf(RunCoordinator.Props("ended", Ledger, new RunCoordinatorOptions(SnapshotEvery: SnapshotEvery)), "coordinator");
        var sampler = CreateTestProbe("sampler");
        var learner = CreateTestProbe("learner");
        await Step(coordinator, sampler, learner, 1);
        coordinator.Tell(new CommitCheckpoint(1, 1, "ck/1", "aa"), learner.Ref);
        await learner.ExpectMsgAsync<RunStatus>();
        await Step(coordinator, sampler, learner, 2);
        coordinator.Tell(new RollbackToCheckpoint(1), learner.Ref);
        await learner.ExpectMsgAsync<RunStatus>();
        await Step(coordinator, sampler, learner, 2);
        var final = (await coordinator.Ask<RunStatus>(GetStatus.Instance)).Ledger;
        Assert.Equal((2L, 4L, 2L), (final.LearnerStep, final.Groups.Consumed, final.Drops.ResumedRollback));
        Watch(coordinator);
        coordinator.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(coordinator);

        var journal = await RunJournalReader.ReadAsync(Database, "ended");
        Assert.True(journal.IsComplete);
        Assert.Equal(final, journal.Replay(Ledger).Status);
        var audit = LedgerAudit.Run(Ledger, journal.Events);
        Assert.True(audit.Clean, string.Join("\n", audit.Problems()));
        Assert.Equal((1L, 2L), (audit.Counts.Rollbacks, audit.Counts.ConsumptionsUndone));

        // The coordinator's SaveSnapshot is fire-and-forget: the snapshot store writes on after the coordinator has
        // terminated (on a loaded machine only snapshot 12 of 4..24 was stored at its Terminated, 16..24 came while
        // the reads below ran). Sampled too early, "the latest snapshot" is older than the one the reader then loads.
        // So wait for the last snapshot the coordinator asked for: one every SnapshotEvery events of this incarnation.
        var lastSnapshot = journal.LastSequenceNr - journal.LastSequenceNr % SnapshotEvery;
        Assert.True(lastSnapshot > 0, $"{journal.LastSequenceNr} events make no snapshot");
        await AwaitAssertAsync(() => Assert.Equal(lastSnapshot, LatestSnapshot()), TimeSpan.FromSeconds(10));

        // Delete the events the latest snapshot covers: the reader falls back to the snapshot and the events after it.
        var snapshotAt = LatestSnapshot();
        Assert.InRange(snapshotAt, 1, journal.LastSequenceNr);
        SqliteTestDatabase.Scalar(Database, $"DELETE FROM journal WHERE persistence_id = 'run-ended-coordinator' AND " +
                                            $"sequence_number <= {snapshotAt}");
        Assert.Equal(snapshotAt + 1, SqliteTestDatabase.Scalar(Database, "SELECT MIN(sequence_number) FROM journal WHERE persistence_id = " +
                                                                         "'run-ended-coordinator'"));
        var truncated = await RunJournalReader.ReadAsync(Database, "ended");
        Assert.False(truncated.IsComplete);
        Assert.Equal(snapshotAt, truncated.SnapshotSequenceNr);
        Assert.Equal(journal.LastSequenceNr - snapshotAt, (long)truncated.Events.Count);
        Assert.Equal(final, await RunJournalReader.ReadStatusAsync(Database, "ended", Ledger));
    }

    /// <summary>The sequence number of the ended run's latest stored snapshot; 0 while none is stored.</summary>
    private long LatestSnapshot() =>
        SqliteTestDatabase.Scalar(Database, "SELECT COALESCE(MAX(sequence_number), 0) FROM snapshot WHERE persistence_id = 'run-ended-coordinator'");

    [Fact(DisplayName = "No database file is an error; a run id with no events reads as an empty journal")]
    public async Task Missing_database_and_unknown_run()
    {
        var missing = Path.Combine(Path.GetTempPath(), "gipo-tests", $"absent-{Guid.NewGuid():N}.db");
        await Assert.ThrowsAsync<FileNotFoundException>(() => RunJournalReader.ReadStatusAsync(missing, "x", Ledger));
        Assert.False(File.Exists(missing));

        var coordinator = Sys.ActorOf(RunCoordinator.Props("some", Ledger), "coordinator");
        await coordinator.Ask<RunStatus>(GetStatus.Instance); // the journal tables exist once a persistent actor has started
        var journal = await RunJournalReader.ReadAsync(Database, "nobody");
        Assert.True(journal.IsEmpty);
        Assert.Empty(journal.Events);
        Assert.Equal(new RunLedger(Ledger).Status, journal.Replay(Ledger).Status);
    }

    /// <summary>Leases and scores the groups step <paramref name="step"/> still needs, then takes and completes its batch.</summary>
    private static async Task Step(IActorRef coordinator, Akka.TestKit.TestProbe sampler, Akka.TestKit.TestProbe learner, long step, int leased = 0)
    {
        var version = step - 1;
        for (var i = 0; i < Ledger.GroupsPerStep - leased; i++)
        {
            coordinator.Tell(new RequestWork("s", version), sampler.Ref);
            await sampler.ExpectMsgAsync<WorkLease>();
        }
        // Score whatever this sampler holds (the group left in flight by an earlier call included).
        var status = (await coordinator.Ask<RunStatus>(GetStatus.Instance)).Ledger;
        for (var id = status.TotalIssued - status.Groups.Issued + 1; id <= status.TotalIssued; id++)
        {
            coordinator.Tell(new GroupResult(Group(id, version, 1, 0, 0, 1)), sampler.Ref);
            Assert.Equal(ResultOutcome.Accepted, (await sampler.ExpectMsgAsync<ResultAck>()).Outcome);
        }
        coordinator.Tell(new NextBatch(step), learner.Ref);
        await learner.ExpectMsgAsync<TrainBatch>();
        coordinator.Tell(new StepCompleted(step, step), learner.Ref);
        Assert.Equal(step, (await learner.ExpectMsgAsync<RunStatus>()).Ledger.LearnerStep);
    }
}
