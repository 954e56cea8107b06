using System.Text.Json.Nodes;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Rollouts;

namespace Gipo.Cluster.Tests.Rollouts;

public sealed class RolloutAuditTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-rollout-audit-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static JsonObject Group(long step, long group, string status = RolloutRecords.Consumed) => new()
    {
        ["schema"] = RolloutStore.SchemaVersion, ["kind"] = "group", ["step"] = step, ["status"] = status, ["group_id"] = group,
    };

    private static Consumption Consumed(long group, long step, bool undone = false) => new(0, group, group, step, step - 1, step - 1, undone);

    private static LedgerAuditReport Journal(long learnerStep, params Consumption[] consumptions) =>
        new(default, learnerStep, learnerStep, [], [], [], [], null, consumptions);

    [Fact(DisplayName = "A log that matches the journal is clean; lines of a step in flight are pending, not problems")]
    public void Matching_log_is_clean()
    {
        var store = new RolloutStore(dir);
        store.Append(1, 1, [Group(1, 1), Group(1, 2), Group(1, 3, RolloutRecords.Dropped)]);
        store.Append(1, 2, [Group(2, 4)]);
        store.Append(1, 3, [Group(3, 5)]); // written, but the journal has not completed step 3
        var report =
            RolloutAudit.Run(Journal(2, Consumed(1, 1), Consumed(2, 1), Consumed(9, 2, undone: true), Consumed(4, 2), Consumed(5, 3)), store);
        Assert.True(report.Clean, string.Join("; ", report.Problems));
        Assert.Equal(3, report.GroupsChecked);
        Assert.Equal(1, report.Pending);
        Assert.Equal(1, report.Dropped);
    }

    [Fact(DisplayName = "A group recorded twice, a consumed group missing and a recorded group never consumed are each reported")]
    public void Problems_are_reported()
    {
        var store = new RolloutStore(dir);
        store.Append(1, 1, [Group(1, 1), Group(1, 7)]);
        store.Append(1, 2, [Group(2, 1)]);
        var report = RolloutAudit.Run(Journal(2, Consumed(1, 1), Consumed(2, 2)), store);
        Assert.False(report.Clean);
        Assert.Contains(report.Problems, p => p.Contains("group 1 is recorded 2 times"));
        Assert.Contains(report.Problems, p => p.Contains("group 2, consumed at step 2, is missing"));
        Assert.Contains(report.Problems, p => p.Contains("group 7 is recorded as trained at step 1"));
    }
}
