using Akka.Actor;
using Gipo.Cluster.Coordination;
using Xunit.Abstractions;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>The coordinator on the real SQLite journal and snapshot store, one temporary database per test.</summary>
public sealed class RunCoordinatorSpecs : SqliteTestKit
{
    public RunCoordinatorSpecs(ITestOutputHelper output) : base(output)
    {
    }

    [Fact(DisplayName = "Protocol: lease, generation hand-over, results (duplicates ignored), batch, step, checkpoint, status")]
    public async Task Happy_path()
    {
        var coordinator = Sys.ActorOf(RunCoordinator.Props("happy", Settings(groupsPerStep: 2, groupSize: 4)), "coordinator");
        var sampler = CreateTestProbe("sampler");
        var scorer = CreateTestProbe("scorer");
        var learner = CreateTestProbe("learner");

        coordinator.Tell(new RequestWork("s1", 0), sampler.Ref);
        var a = await sampler.ExpectMsgAsync<WorkLease>();
        coordinator.Tell(new RequestWork("s1", 0), sampler.Ref);
        var b = await sampler.ExpectMsgAsync<WorkLease>();
        Assert.Equal((1L, 2L, 4, 0L), (a.GroupId, b.GroupId, a.GroupSize, a.PolicyVersion));
        Assert.Equal(PromptOrder.Slot(0, 5, 42), new PromptSlot(0, a.PromptIndex, a.Seed));

        coordinator.Tell(new GenerationDone(a.GroupId), scorer.Ref);
        coordinator.Tell(new GroupResult(Group(a.GroupId, 0, 1, 0, 0, 1)), scorer.Ref);
        Assert.Equal(ResultOutcome.Accepted, (await scorer.ExpectMsgAsync<ResultAck>()).Outcome);
        coordinator.Tell(new GroupResult(Group(b.GroupId, 0, 1, 1, 0, 0)), sampler.Ref);
        Assert.Equal(ResultOutcome.Accepted, (await sampler.ExpectMsgAsync<ResultAck>()).Outcome);
        coordinator.Tell(new GroupResult(Group(b.GroupId, 0, 1, 1, 0, 0)), sampler.Ref);
        Assert.Equal(ResultOutcome.Ignored, (await sampler.ExpectMsgAsync<ResultAck>()).Outcome);
        coordinator.Tell(new GroupResult(Group(99, 0, 1)), sampler.Ref); // one sample: malformed, must not crash anything
        Assert.Equal(ResultOutcome.Rejected, (await sampler.ExpectMsgAsync<ResultAck>()).Outcome);

        coordinator.Tell(new NextBatch(1), learner.Ref);
        var batch = await learner.ExpectMsgAsync<TrainBatch>();
        Assert.Equal([a.GroupId, b.GroupId], batch.Groups.Select(g => g.GroupId));
        Assert.Equal(4, batch.Groups[0].Members.Count);
        Assert.Equal(8, batch.SamplesConsumedSoFar);

        coordinator.Tell(new NextBatch(1), learner.Ref); // asked again before completing: the same batch
        Assert.Equal([a.GroupId, b.GroupId], (await learner.ExpectMsgAsync<TrainBatch>()).Groups.Select(g => g.GroupId));

        coordinator.Tell(new StepCompleted(1, 1), learner.Ref);
        var afterStep = (await learner.ExpectMsgAsync<RunStatus>()).Ledger;
        Assert.Equal((1L, 1L), (afterStep.LearnerStep, afterStep.PolicyVersion));
        coordinator.Tell(new CommitCheckpoint(1, 1, "runs/happy/checkpoint-1/manifest.json", "ab12"), learner.Ref);
        var status = await learner.ExpectMsgAsync<RunStatus>();
        Assert.Equal(new CheckpointCommitted(1, 1, "runs/happy/checkpoint-1/manifest.json", "ab12"), status.Ledger.LastCheckpoint);

        coordinator.Tell(new NextBatch(3), learner.Ref);
        Assert.Contains("not the next", (await learner.ExpectMsgAsync<CommandRejected>()).Reason);
        coordinator.Tell(new NextBatch(2), learner.Ref);
        Assert.Contains("0 of 2", (await learner.ExpectMsgAsync<NotEnoughGroups>()).Reason);
        coordinator.Tell(new StepCompleted(5, 5), learner.Ref);
        Assert.Equal(nameof(StepCompleted), (await learner.ExpectMsgAsync<CommandRejected>()).Command);

        var final = await coordinator.Ask<RunStatus>(GetStatus.Instance);
        Assert.Equal("happy", final.RunId);
        Assert.Equal(new GroupCounts(0, 0, 0, 2, 0), final.Ledger.Groups);
        Assert.Equal(2, final.Ledger.TotalIssued);

        // A lease needs a holder that lives: the temporary actor behind Ask does not.
        Assert.Contains("long-lived sender", (await coordinator.Ask<NoWorkYet>(new RequestWork("asker", 1))).Reason);
    }

    [Fact(DisplayName = "A lease holder that dies gets its leases re-issued at once (DeathWatch), same prompts and seeds")]
    public async Task Dead_holder_leases_are_reissued_at_once()
    {
        // Ten-minute leases: only DeathWatch can re-issue within the test's time.
        var coordinator = Sys.ActorOf(RunCoordinator.Props("death", Settings(maxStaleness: 5, maxConcurrent: 10, leaseSeconds: 600)));
        var doomed = CreateTestProbe("doomed");
        var survivor = CreateTestProbe("survivor");
        var leases = new List<WorkLease>();
        for (var i = 0; i < 2; i++)
        {
            coordinator.Tell(new RequestWork("doomed", 0), doomed.Ref);
            leases.Add(await doomed.ExpectMsgAsync<WorkLease>());
        }
        coordinator.Tell(new RequestWork("survivor", 0), survivor.Ref);
        await survivor.ExpectMsgAsync<WorkLease>();

        Sys.Stop(doomed.Ref);
        await AwaitAssertAsync(async () =>
        {
            var s = (await coordinator.Ask<RunStatus>(GetStatus.Instance)).Ledger;
            Assert.Equal(2, s.Drops.SamplerDiedReissued);
            Assert.Equal(1, s.Groups.Issued);
        });

        var heir = CreateTestProbe("heir");
        foreach (var old in leases)
        {
            coordinator.Tell(new RequestWork("heir", 0), heir.Ref);
            var lease = await heir.ExpectMsgAsync<WorkLease>();
            Assert.Equal((old.PromptIndex, old.Seed), (lease.PromptIndex, lease.Seed));
            Assert.NotEqual(old.GroupId, lease.GroupId);
        }
    }

    [Fact(DisplayName = "An expired lease is re-issued by the lease timer; the slow holder's late result is ignored")]
    public async Task Lease_timeout_reissues()
    {
        var options = new RunCoordinatorOptions(LeaseCheckInterval: TimeSpan.FromMilliseconds(100));
        // 2 s: long enough for the second holder to report within its own lease on a loaded 2-core machine.
        var coordinator = Sys.ActorOf(RunCoordinator.Props("timeout", Settings(leaseSeconds: 2), options));
        var slow = CreateTestProbe("slow");
        coordinator.Tell(new RequestWork("slow", 0), slow.Ref);
        var lease = await slow.ExpectMsgAsync<WorkLease>();

        await AwaitAssertAsync(async () =>
            Assert.Equal(1, (await coordinator.Ask<RunStatus>(GetStatus.Instance)).Ledger.Drops.LeaseExpiredReissued));

        var fast = CreateTestProbe("fast");
        coordinator.Tell(new RequestWork("fast", 0), fast.Ref);
        var again = await fast.ExpectMsgAsync<WorkLease>();
        Assert.Equal((lease.PromptIndex, lease.Seed), (again.PromptIndex, again.Seed));

        coordinator.Tell(new GroupResult(Group(lease.GroupId, 0, 1, 0, 0, 1)), slow.Ref);
        Assert.Equal(ResultOutcome.Ignored, (await slow.ExpectMsgAsync<ResultAck>()).Outcome);
        coordinator.Tell(new GroupResult(Group(again.GroupId, 0, 1, 0, 0, 1)), fast.Ref);
        Assert.Equal(ResultOutcome.Accepted, (await fast.ExpectMsgAsync<ResultAck>()).Outcome);
    }

    [Fact(DisplayName = "A new incarnation with the same PersistenceId recovers the same status from SQLite " +
                        "(snapshot + events) and watches the holders again")]
    public async Task Recovery_in_a_new_incarnation()
    {
        var props = RunCoordinator.Props("persist", Settings(groupsPerStep: 2), new RunCoordinatorOptions(SnapshotEvery: 4));
        var first = Sys.ActorOf(props, "first");
        var sampler = CreateTestProbe("sampler");
        var scorer = CreateTestProbe("scorer");
        var learner = CreateTestProbe("learner");
        var leases = new List<WorkLease>();
        for (var i = 0; i < 4; i++)
        {
            first.Tell(new RequestWork("s", 0), sampler.Ref);
            leases.Add(await sampler.ExpectMsgAsync<WorkLease>());
        }
        foreach (var l in leases.Take(2))
        {
            first.Tell(new GroupResult(Group(l.GroupId, 0, 1, 0, 1, 0)), sampler.Ref);
            await sampler.ExpectMsgAsync<ResultAck>();
        }
        first.Tell(new NextBatch(1), learner.Ref);
        await learner.ExpectMsgAsync<TrainBatch>();
        first.Tell(new StepCompleted(1, 1), learner.Ref);
        await learner.ExpectMsgAsync<RunStatus>();
        first.Tell(new CommitCheckpoint(1, 1, "ck/1", "aa"), learner.Ref);
        await learner.ExpectMsgAsync<RunStatus>();
        first.Tell(new GenerationDone(leases[2].GroupId), scorer.Ref);
        var before = await first.Ask<RunStatus>(GetStatus.Instance);
        Assert.Equal(new GroupCounts(1, 1, 0, 2, 0), before.Ledger.Groups);

        Watch(first);
        first.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(first);

        var second = Sys.ActorOf(props, "second");
        Assert.Equal(before, await second.Ask<RunStatus>(GetStatus.Instance));
        Assert.True(SqliteTestDatabase.Scalar(Database, "SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'run-persist-coordinator'") > 0);
        Assert.Equal(1, SqliteTestDatabase.Scalar(Database, "SELECT COUNT(DISTINCT persistence_id) FROM journal"));

        // Holders recovered from the journal are watched again: the scorer's death re-issues its group at once.
        Sys.Stop(scorer.Ref);
        await AwaitAssertAsync(async () =>
        {
            var s = (await second.Ask<RunStatus>(GetStatus.Instance)).Ledger;
            Assert.Equal(1, s.Drops.SamplerDiedReissued);
            Assert.Equal(new GroupCounts(1, 0, 0, 2, 1), s.Groups);
        });
    }

    [Fact(DisplayName = "After a process restart: dead holders lose their leases at once, lost payloads are re-issued, " +
                        "and a rollback resumes from the checkpoint")]
    public async Task Recovery_after_the_process_died()
    {
        var props = RunCoordinator.Props("crash", Settings(groupsPerStep: 2, leaseSeconds: 600));
        RunStatus before;
        List<WorkLease> leases = [];
        // The "first process": its own actor system on the same SQLite file, terminated with everything in it.
        var firstProcess = ActorSystem.Create("gipo", Sys.Settings.Config);
        try
        {
            var coordinator = firstProcess.ActorOf(props, "coordinator");
            var sampler = CreateTestProbe(firstProcess, "sampler");
            for (var i = 0; i < 4; i++)
            {
                coordinator.Tell(new RequestWork("s", 0), sampler.Ref);
                leases.Add(await sampler.ExpectMsgAsync<WorkLease>());
            }
            foreach (var l in leases.Take(3))
            {
                coordinator.Tell(new GroupResult(Group(l.GroupId, 0, 1, 0, 1, 0)), sampler.Ref);
                await sampler.ExpectMsgAsync<ResultAck>();
            }
            coordinator.Tell(new NextBatch(1), sampler.Ref);
            await sampler.ExpectMsgAsync<TrainBatch>();
            coordinator.Tell(new StepCompleted(1, 1), sampler.Ref);
            await sampler.ExpectMsgAsync<RunStatus>();
            coordinator.Tell(new CommitCheckpoint(1, 1, "ck/1", "aa"), sampler.Ref);
            before = await sampler.ExpectMsgAsync<RunStatus>();
            Assert.Equal(new GroupCounts(1, 0, 1, 2, 0), before.Ledger.Groups);
        }
        finally
        {
            await firstProcess.Terminate();
        }

        var recovered = Sys.ActorOf(props, "coordinator");
        await AwaitAssertAsync(async () =>
        {
            var s = (await recovered.Ask<RunStatus>(GetStatus.Instance)).Ledger;
            Assert.Equal(before.Ledger with { Groups = s.Groups, Drops = s.Drops, Requeued = s.Requeued,
                                             AdmissionCapacity = s.AdmissionCapacity }, s);
            Assert.Equal(new GroupCounts(0, 0, 1, 2, 1), s.Groups); // the dead sampler's lease is gone
            Assert.Equal(1, s.Drops.SamplerDiedReissued);
        });

        var learner = CreateTestProbe("learner");
        recovered.Tell(new NextBatch(2), learner.Ref); // the scored group's trajectories died with the process
        await learner.ExpectMsgAsync<NotEnoughGroups>();
        recovered.Tell(new RollbackToCheckpoint(1), learner.Ref);
        var resumed = (await learner.ExpectMsgAsync<RunStatus>()).Ledger;
        Assert.Equal((1L, 1L, 2L), (resumed.LearnerStep, resumed.PolicyVersion, resumed.Groups.Consumed));
        Assert.Equal(2, resumed.Requeued);

        var sampler2 = CreateTestProbe("sampler2");
        foreach (var old in leases.Skip(2))
        {
            recovered.Tell(new RequestWork("s2", 1), sampler2.Ref);
            var lease = await sampler2.ExpectMsgAsync<WorkLease>();
            Assert.Equal((old.PromptIndex, old.Seed), (lease.PromptIndex, lease.Seed));
        }
    }
}
