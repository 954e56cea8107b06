using Akka.Persistence;
using Akka.Persistence.TestKit;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>
/// Issue 11, item 7, journal side: a disk that fills under the journal (SQLite error 13, PostgreSQL 53100) ends the run
/// with the cause, instead of the coordinator's back-off restarts looping for ever. The write failure is injected with
/// Akka.Persistence.TestKit's <see cref="TestJournal"/> as the exception the SQLite provider throws (same plugin wiring
/// and <c>serialize-messages = off</c> as <see cref="RunCoordinatorJournalFailureSpecs"/>, for the same reason).
/// </summary>
public sealed class RunCoordinatorDiskFullSpecs : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestJournal journal;

    public RunCoordinatorDiskFullSpecs(ITestOutputHelper output) : base(RunCoordinatorJournalFailureSpecs.TestPlugins, "gipo", output) =>
        journal = TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor(null));

    /// <summary>What Microsoft.Data.Sqlite throws when the journal's disk is full.</summary>
    private static SqliteException SqliteFull() => new("SQLite Error 13: 'database or disk is full'.", 13);

    private sealed class Throwing(Func<Exception> error) : IJournalInterceptor
    {
        public Task InterceptAsync(IPersistentRepresentation message) => throw error();
    }

    [Fact(DisplayName = "A full disk under the journal ends the run with the cause and where; other write failures leave it to the back-off restart")]
    public async Task Full_journal_disk_ends_the_run()
    {
        var host = CreateTestProbe("host");
        var folder = Path.GetTempPath();
        var options =
            new RunCoordinatorOptions { FailureListener = host.Ref, JournalDescription = "SQLite /runs/x/journal.db", JournalPath = folder };

        // A transient failure: no RunFailed (the supervisor's restart may succeed).
        await journal.OnWrite.Fail();
        var first = Sys.ActorOf(RunCoordinator.Props("full", Settings(), options));
        Watch(first);
        first.Tell(new RequestWork("s", 0), CreateTestProbe("sampler-1").Ref);
        await ExpectTerminatedAsync(first);
        await host.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        // SQLITE_FULL: the run ends with the cause, once per failed incarnation.
        await journal.OnWrite.SetInterceptorAsync(new Throwing(SqliteFull));
        var coordinator = Sys.ActorOf(RunCoordinator.Props("full", Settings(), options));
        Watch(coordinator);
        coordinator.Tell(new RequestWork("s", 0), CreateTestProbe("sampler-2").Ref);
        var failed = await host.ExpectMsgAsync<RunFailed>();
        await ExpectTerminatedAsync(coordinator);
        Assert.Contains("the journal's disk is full", failed.Reason);
        Assert.Contains("SQLite /runs/x/journal.db", failed.Reason);
        Assert.Contains("database or disk is full", failed.Reason);
        Assert.Contains("MB are free there", failed.Reason);
        Assert.Contains("--resume", failed.Reason);
    }

    [Fact(DisplayName = "Full-disk recognition: SQLITE_FULL, PostgreSQL 53100 'could not extend file', ENOSPC; not a lost connection")]
    public void Full_disk_errors_are_recognised()
    {
        Assert.NotNull(JournalFaults.Repeating(new InvalidOperationException("write failed", SqliteFull()), "GroupIssued", "SQLite j.db", 1_000));
        var postgres = new Npgsql.PostgresException("could not extend file \"base/16384/16402\": No space left on device", "ERROR", "ERROR", "53100");
        var reason = JournalFaults.Repeating(postgres, "GroupIssued (sequence 7)", "PostgreSQL gipo@db", null);
        Assert.Contains("could not extend file", reason);
        Assert.Contains("free space there is unknown", reason);
        Assert.True(DiskSpace.IsFull(new IOException("No space left on device", 28)));
        Assert.Null(JournalFaults.Repeating(new SqliteException("SQLite Error 5: 'database is locked'.", 5), "x", "SQLite j.db", 1));
        Assert.Null(JournalFaults.Repeating(new Npgsql.PostgresException("terminating connection due to administrator command", "FATAL", "FATAL",
                                                                         "57P01"), "x", "PostgreSQL", null));
    }
}
