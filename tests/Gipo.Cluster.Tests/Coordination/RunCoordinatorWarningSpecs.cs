using Akka.Actor;
using Gipo.Cluster.Coordination;
using Xunit.Abstractions;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>
/// What an operator sees of lost work without reading the journal: one warning when a dead holder's leases are
/// re-issued (its node and how many), and one when a learner takes over with a rollback (the step it rolled back to
/// and the groups returned to the pool); per-node activity read back from the journal with its write times.
/// </summary>
public sealed class RunCoordinatorWarningSpecs(ITestOutputHelper output) : SqliteTestKit(output)
{
    [Fact(DisplayName = "A dead holder's leases: one warning naming its node and the number re-issued")]
    public async Task Reissue_after_a_holder_died_is_a_warning()
    {
        var coordinator = Sys.ActorOf(RunCoordinator.Props("dies", Settings(maxStaleness: 5, maxConcurrent: 10, leaseSeconds: 600)));
        var doomed = CreateTestProbe("doomed");
        for (var i = 0; i < 3; i++)
        {
            coordinator.Tell(new RequestWork("doomed", 0), doomed.Ref);
            await doomed.ExpectMsgAsync<WorkLease>();
        }
        await EventFilter.Warning(contains: "on node local terminated: 3 lease(s) re-issued").ExpectOneAsync(async () =>
        {
            Sys.Stop(doomed.Ref);
            await AwaitAssertAsync(async () =>
                Assert.Equal(3, (await coordinator.Ask<RunStatus>(GetStatus.Instance)).Ledger.Drops.SamplerDiedReissued));
        });
    }

    [Fact(DisplayName = "A learner taking over after lost steps: one warning with the step it rolled back to and the groups returned; " +
                        "a clean resume is no warning")]
    public async Task Take_over_rollback_is_a_warning()
    {
        var coordinator = Sys.ActorOf(RunCoordinator.Props("takeover", Settings(groupsPerStep: 2, maxStaleness: 2, leaseSeconds: 600)));
        var sampler = CreateTestProbe("sampler");
        var learner = CreateTestProbe("learner");
        await Step(coordinator, sampler, learner, 1);
        coordinator.Tell(new CommitCheckpoint(1, 1, "ck/1", "aa"), learner.Ref);
        await learner.ExpectMsgAsync<RunStatus>();
        await Step(coordinator, sampler, learner, 2);
        coordinator.Tell(new RequestWork("s", 2), sampler.Ref); // one more group in flight
        await sampler.ExpectMsgAsync<WorkLease>();

        // Step 2's two consumed groups and the one in flight go back: three.
        var standby = CreateTestProbe("standby");
        await EventFilter.Warning(contains: "took over the run at step 2: rolled back to the checkpoint of step 1, " +
                                            "3 group(s) returned to the pool").ExpectOneAsync(async () =>
        {
            coordinator.Tell(new RollbackToCheckpoint(1), standby.Ref);
            await standby.ExpectMsgAsync<RunStatus>();
        });
        // Right at the checkpoint with nothing in flight: nothing lost, no warning.
        await EventFilter.Warning().ExpectAsync(0, async () =>
        {
            coordinator.Tell(new RollbackToCheckpoint(1), standby.Ref);
            await standby.ExpectMsgAsync<RunStatus>();
        });
    }

    [Fact(DisplayName = "Rounds of B filtered groups with none kept are warned as they complete, before any learner asks (rounds 1, 2, " +
                        "4, …); a learner asking later repeats none of them")]
    public async Task Empty_rounds_are_warned_without_a_learner()
    {
        var coordinator = Sys.ActorOf(RunCoordinator.Props("empty", Settings(groupsPerStep: 2, maxStaleness: 2, maxConcurrent: 8,
                                                                             promptCount: 50, leaseSeconds: 600, dynamicSampling: true,
                                                                             maxEmptyRounds: 5)));
        var sampler = CreateTestProbe("sampler");
        async Task Filtered(int groups)
        {
            for (var i = 0; i < groups; i++)
            {
                coordinator.Tell(new RequestWork("s", 0), sampler.Ref);
                var lease = await sampler.ExpectMsgAsync<WorkLease>();
                coordinator.Tell(new GroupResult(Group(lease.GroupId, 0, 0, 0, 0, 0)), sampler.Ref);
                Assert.Equal(ResultOutcome.Filtered, (await sampler.ExpectMsgAsync<ResultAck>()).Outcome);
            }
        }

        // Half a round: no verdict. The second group completes round 1, the fourth round 2; round 3 is not a power of 2.
        await EventFilter.Warning().ExpectAsync(0, () => Filtered(1));
        await EventFilter.Warning(contains: "no group kept for step 1").ExpectOneAsync(() => Filtered(1));
        await EventFilter.Warning(contains: "(2 rounds of B = 2)").ExpectOneAsync(() => Filtered(2));
        await EventFilter.Warning().ExpectAsync(0, () => Filtered(2));
        // The learner's ask finds round 3, which was already seen: no second line for it.
        var learner = CreateTestProbe("learner");
        await EventFilter.Warning().ExpectAsync(0, async () =>
        {
            coordinator.Tell(new NextBatch(1), learner.Ref);
            Assert.Contains("(3 rounds of B = 2)", (await learner.ExpectMsgAsync<NotEnoughGroups>()).Reason);
        });
    }

    [Fact(DisplayName = "The journal reader gives each event its write time, and the per-node tally of a real journal counts the leases")]
    public async Task Journal_times_and_node_activity()
    {
        var settings = Settings(groupsPerStep: 2, maxStaleness: 2, leaseSeconds: 600);
        var before = DateTime.UtcNow;
        var coordinator = Sys.ActorOf(RunCoordinator.Props("nodes", settings));
        var sampler = CreateTestProbe("sampler");
        var learner = CreateTestProbe("learner");
        await Step(coordinator, sampler, learner, 1);
        coordinator.Tell(new RequestWork("s", 1), sampler.Ref);
        await sampler.ExpectMsgAsync<WorkLease>();
        var after = DateTime.UtcNow;

        var journal = await new RunJournalReader(Sys).ReadAsync("nodes");
        Assert.NotNull(journal.EventTimesUtc);
        Assert.Equal(journal.Events.Count, journal.EventTimesUtc.Count);
        Assert.All(journal.EventTimesUtc, t => Assert.InRange(t!.Value, before.AddSeconds(-1), after.AddSeconds(1)));
        var node = Assert.Single(NodeActivityTally.Of(journal, settings.LeaseDuration));
        Assert.Equal(("local", 3L, 2L, 0L, 8L), (node.Node, node.LeasesIssued, node.LeasesCompleted, node.LeasesReissued, node.SamplesDelivered));
        Assert.InRange(node.LastSeenUtc!.Value, before.AddSeconds(-1), after.AddSeconds(1));
    }

    // One learner step: B leases, B results, the batch, the step.
    private static async Task Step(IActorRef coordinator, Akka.TestKit.TestProbe sampler, Akka.TestKit.TestProbe learner, long step)
    {
        for (var i = 0; i < 2; i++)
        {
            coordinator.Tell(new RequestWork("s", step - 1), sampler.Ref);
            var lease = await sampler.ExpectMsgAsync<WorkLease>();
            coordinator.Tell(new GroupResult(Group(lease.GroupId, step - 1, 1, 0, 1, 0)), sampler.Ref);
            Assert.Equal(ResultOutcome.Accepted, (await sampler.ExpectMsgAsync<ResultAck>()).Outcome);
        }
        coordinator.Tell(new NextBatch(step), learner.Ref);
        await learner.ExpectMsgAsync<TrainBatch>();
        coordinator.Tell(new StepCompleted(step, step), learner.Ref);
        await learner.ExpectMsgAsync<RunStatus>();
    }
}
