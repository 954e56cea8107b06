using Akka.Actor;
using Akka.Configuration;
using Akka.Coordination;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Fencing;
using Gipo.Cluster.Runtime;
using Microsoft.Data.Sqlite;

namespace Gipo.Cluster.Tests.Fencing;

/// <summary>
/// The journal lease on a real database: SQLite always, PostgreSQL too when GIPO_TEST_POSTGRES is set (<c>./test.sh</c>
/// sets it; the database cases are then listed once per database).
/// </summary>
public sealed class JournalLeaseTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("gipo-lease-").FullName;

    public static TheoryData<string> Databases()
    {
        var data = new TheoryData<string> { "sqlite" };
        if (Environment.GetEnvironmentVariable("GIPO_TEST_POSTGRES") is { Length: > 0 }) data.Add("postgres");
        return data;
    }

    private JournalDatabase Database(string kind)
    {
        var db = kind == "sqlite" ? JournalDatabase.Sqlite(Path.Combine(folder, "journal.db"))
            : JournalDatabase.Postgres(Environment.GetEnvironmentVariable("GIPO_TEST_POSTGRES")!);
        db.Prepare();
        return db;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(folder, true); }
        catch (IOException) { } // best effort
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public void Concurrent_contenders_for_a_free_lease_produce_exactly_one_holder(string kind)
    {
        var table = new JournalLeaseTable(Database(kind));
        var name = $"run-{Guid.NewGuid():N}/coordinator";
        var winners = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(8)
            .Select(i => table.Change(name, (current, now) => LeaseRules.Acquire(current, LeaseHolderId.Of($"10.0.0.{i}:4053", "x"), now, 60_000)))
            .Where(r => r is not null).ToList();
        var winner = Assert.Single(winners);
        Assert.Equal(1, winner!.Epoch);
        Assert.Equal(winner, table.Read(name).Row);
        Assert.Single(table.Epochs(name));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public void Live_leases_of_a_run_include_one_that_ended_within_the_asked_window(string kind)
    {
        var table = new JournalLeaseTable(Database(kind));
        var run = $"run-{Guid.NewGuid():N}";
        var holder = LeaseHolderId.Of("10.0.0.1:4053", "x");
        // A lease of 1 ms: ended by the time it is read.
        Assert.NotNull(table.Change($"{run}/coordinator", (current, now) => LeaseRules.Acquire(current, holder, now, 1)));
        Assert.NotNull(table.Change($"{run}/learner", (current, now) => LeaseRules.Acquire(current, holder, now, 60_000)));
        Thread.Sleep(20);
        Assert.Equal([$"{run}/learner"], table.LiveLeases($"{run}/").Live.Select(l => l.Name));
        Assert.Equal([$"{run}/coordinator", $"{run}/learner"], table.LiveLeases($"{run}/", endedWithinMs: 60_000).Live.Select(l => l.Name));
        Assert.Empty(table.LiveLeases($"other-{run}/", endedWithinMs: 60_000).Live);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.LiveLeases($"{run}/", endedWithinMs: -1));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task A_stale_holder_is_fenced_after_another_took_over_and_is_told_it_lost_the_lease(string kind)
    {
        var db = Database(kind);
        var runId = $"lease-{Guid.NewGuid():N}";
        using var system = ActorSystem.Create("gipo", TrainingNode.JournalLeaseConfig(runId, db)
            .WithFallback(ConfigurationFactory.ParseString("akka.coordination.journal-lease { heartbeat-timeout = 4s, heartbeat-interval = 1s }")));
        var provider = LeaseProvider.Get(system);
        var a = (JournalLease)provider.GetLease("gipo-singleton-akka://gipo/user/coordinator", "akka.coordination.journal-lease", "127.0.0.1:5001");
        var b = (JournalLease)provider.GetLease("gipo-singleton-akka://gipo/user/coordinator", "akka.coordination.journal-lease", "127.0.0.1:5002");
        var lost = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);

        Assert.True(await a.Acquire(e => lost.TrySetResult(e)));
        Assert.Equal(1, a.Epoch);
        Assert.Null(a.Fence());
        Assert.False(await b.Acquire()); // A renews every second: its lease stays live
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.False(await b.Acquire());
        Assert.Null(a.Fence());

        // A is frozen (its renewals stop) and its lease expires; B acquires under the next epoch. The table's own
        // compare-and-set does what a real expiry would, so the test does not wait for the time-out.
        var table = new JournalLeaseTable(db);
        var row = JournalLease.RowName(runId, "gipo-singleton-akka://gipo/user/coordinator");
        Assert.NotNull(table.Change(row, (current, now) => current! with { ExpiresMs = now - 1 }));
        Assert.True(await b.Acquire());
        Assert.Equal(2, b.Epoch);

        var fenced = a.Fence();
        Assert.NotNull(fenced);
        Assert.Contains("epoch 1 is stale", fenced);
        Assert.Contains(b.Holder, fenced);
        var cause = await lost.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsType<LeaseException>(cause);
        Assert.False(a.CheckLease());
        Assert.Null(b.Fence());
        Assert.Equal([1L, 2L], table.Epochs(row).Select(e => e.Epoch));
        Assert.Equal([a.Holder, b.Holder], table.Epochs(row).Select(e => e.Holder));

        Assert.True(await b.Release());
        Assert.NotNull(b.Fence());
        var (released, now2) = table.Read(row);
        Assert.False(released!.LiveAt(now2));
        await system.Terminate();
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task A_holder_whose_renewals_stopped_loses_the_lease_to_the_next_after_the_time_out(string kind)
    {
        var db = Database(kind);
        var runId = $"lease-{Guid.NewGuid():N}";
        using var system = ActorSystem.Create("gipo", TrainingNode.JournalLeaseConfig(runId, db)
            .WithFallback(ConfigurationFactory.ParseString("akka.coordination.journal-lease { heartbeat-timeout = 2s, heartbeat-interval = 1s }")));
        var table = new JournalLeaseTable(db);
        var row = JournalLease.RowName(runId, "gipo-singleton-akka://gipo/user/learner");
        // A holder that never renews (a frozen process): its row, written directly. Its 6 s leave the first refusal below
        // room on a loaded machine (opening the lease's first connection can take seconds there).
        var frozen = LeaseHolderId.Of("127.0.0.1:6001", "frozen");
        Assert.NotNull(table.Change(row, (current, now) => LeaseRules.Acquire(current, frozen, now, 6000)));
        var b = (JournalLease)LeaseProvider.Get(system)
            .GetLease("gipo-singleton-akka://gipo/user/learner", "akka.coordination.journal-lease", "127.0.0.1:6002");
        Assert.False(await b.Acquire());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await b.Acquire())
        {
            Assert.True(DateTime.UtcNow < deadline, "the frozen holder's lease never expired");
            await Task.Delay(200);
        }
        Assert.Equal(2, b.Epoch);
        var epochs = table.Epochs(row).Select(e => e.Epoch).ToList();
        Assert.Equal(epochs.Order(), epochs);
        Assert.Equal(epochs.Distinct(), epochs);
        await system.Terminate();
    }
}
