using Akka.Actor;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Runtime;
using Gipo.Cluster.Tests.Coordination;
using Xunit.Abstractions;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Runtime;

/// <summary>A <c>gipo set</c> request through the run folder, the inbox and the coordinator, on the real SQLite journal.</summary>
public sealed class SettingsInboxSpecs : SqliteTestKit
{
    private readonly string root = Directory.CreateTempSubdirectory("gipo-inbox-").FullName;

    public SettingsInboxSpecs(ITestOutputHelper output) : base(output)
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        try { Directory.Delete(root, true); }
        catch (IOException) { } // best effort
    }

    [Fact(DisplayName = "A request is journaled and answered with its effective step, batches carry it, a new incarnation recovers it; " +
                        "a refusal journals nothing and leaves no file")]
    public async Task Request_through_the_folder()
    {
        var options = new RunCoordinatorOptions
        {
            ValidateSettings = (_, candidate) => candidate.Changes.Any(c => c.Value == "9") ? "nine is refused" : null,
        };
        var props = RunCoordinator.Props("inbox", Settings(groupsPerStep: 1, maxStaleness: 2), options);
        var coordinator = Sys.ActorOf(props, "first");
        var folder = new SettingsRequestFolder(Path.Combine(root, "settings-requests"));
        Sys.ActorOf(SettingsInbox.Props(folder, coordinator, TimeSpan.FromMilliseconds(50)), "inbox");

        folder.Submit(new SettingsRequest("r1", [new SettingChange(LiveSettings.MaxStaleness, "0")]));
        var reply = await Reply(folder, "r1");
        Assert.True(reply.Accepted, reply.Reason);
        Assert.Equal(1, reply.EffectiveStep);

        folder.Submit(new SettingsRequest("r2", [new SettingChange(LiveSettings.MaxStaleness, "9")]));
        var refused = await Reply(folder, "r2");
        Assert.False(refused.Accepted);
        Assert.Equal("nine is refused", refused.Reason);
        Assert.False(Directory.Exists(folder.Root)); // every file answered and read: nothing left behind

        var sampler = CreateTestProbe("sampler");
        coordinator.Tell(new RequestWork("s", 0), sampler.Ref);
        var lease = await sampler.ExpectMsgAsync<WorkLease>();
        coordinator.Tell(new GroupResult(Group(lease.GroupId, 0, 1, 0, 0, 1)), sampler.Ref);
        await sampler.ExpectMsgAsync<ResultAck>();
        coordinator.Tell(new NextBatch(1), TestActor);
        var batch = await ExpectMsgAsync<TrainBatch>();
        var change = Assert.Single(batch.SettingsChanges!);
        Assert.Equal(("r1", 1L), (change.RequestId, change.EffectiveStep));

        Watch(coordinator);
        coordinator.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(coordinator);
        var second = Sys.ActorOf(props, "second");
        second.Tell(new ChangeSettings("r1", [new SettingChange(LiveSettings.MaxStaleness, "0")]), TestActor);
        // recovered, not journaled twice: the change and the group's issue, score and consumption
        Assert.Equal(change, (await ExpectMsgAsync<SettingsChangeAccepted>()).Change);
        Assert.Equal(1 + 3, SqliteTestDatabase.Scalar(Database, "SELECT COUNT(*) FROM journal WHERE persistence_id = 'run-inbox-coordinator'"));
    }

    [Fact(DisplayName = "A request nobody claimed can be withdrawn; one the inbox claimed cannot")]
    public void Withdraw_only_unclaimed()
    {
        var folder = new SettingsRequestFolder(Path.Combine(root, "withdraw"));
        folder.Submit(new SettingsRequest("a", [new SettingChange(LiveSettings.Steps, "5")]));
        Assert.True(folder.TryWithdraw("a"));
        Assert.False(Directory.Exists(folder.Root));
        folder.Submit(new SettingsRequest("b", [new SettingChange(LiveSettings.Steps, "5")]));
        Assert.Equal(["b"], folder.ClaimAll());
        Assert.False(folder.TryWithdraw("b"));
        Assert.Equal(new SettingChange(LiveSettings.Steps, "5"), Assert.Single(folder.ReadClaimed("b").Changes));
    }

    private async Task<SettingsReply> Reply(SettingsRequestFolder folder, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (folder.TakeReply(id) is { } reply) return reply;
            await Task.Delay(50);
        }
        throw new TimeoutException($"no reply to {id}");
    }
}
