using Akka.Actor;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Sampling;
using Gipo.Cluster.Tests.Coordination;
using Xunit.Abstractions;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Sampling;

/// <summary>
/// A sampler that throws is stopped and re-created by its back-off supervisor, and the coordinator re-issues its
/// lease at once through DeathWatch — long before the lease's deadline.
/// </summary>
public sealed class SamplerSupervisionSpecs(ITestOutputHelper output) : SqliteTestKit(output)
{
    [Fact(DisplayName = "A sampler that throws mid-lease: its lease is re-issued at once " +
                        "(sampler-died-reissued) and its next incarnation gets the same prompt and seed")]
    public async Task Failed_sampler_lease_is_reissued_at_once()
    {
        // A 10-minute lease: only DeathWatch can explain a re-issue within the test.
        var coordinator = Sys.ActorOf(RunCoordinator.Props("supervision", Settings(groupsPerStep: 1, leaseSeconds: 600)), "coordinator");
        var leases = CreateTestProbe("leases");
        var incarnations = new Incarnations();
        Sys.ActorOf(SamplerSupervisor.Props(1,
            _ => Props.Create(() => new FailingSampler(coordinator, leases.Ref, incarnations)),
            TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500)), "samplers");

        var first = await leases.ExpectMsgAsync<WorkLease>();
        var second = await leases.ExpectMsgAsync<WorkLease>(TimeSpan.FromSeconds(10));
        var status = (await coordinator.Ask<RunStatus>(GetStatus.Instance)).Ledger;
        Assert.True(first.GroupId != second.GroupId && (first.PromptIndex, first.Seed) == (second.PromptIndex, second.Seed),
            $"first {first}, second {second}, drops {status.Drops}");
        Assert.True(status.Drops.SamplerDiedReissued == 1, $"drops {status.Drops}, counts {status.Groups}, incarnations {incarnations.Count}, " +
                                                           $"first {first}, second {second}");
        Assert.Equal(0, status.Drops.LeaseExpiredReissued);
        Assert.Equal(2, incarnations.Count);
    }

    /// <summary>Counts sampler incarnations (Props arguments are evaluated once, so the count lives in a shared object).</summary>
    private sealed class Incarnations
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public int Next() => Interlocked.Increment(ref count);
    }

    /// <summary>Asks for one lease, reports it, and (first incarnation only) throws while "generating".</summary>
    private sealed class FailingSampler : ReceiveActor
    {
        public FailingSampler(IActorRef coordinator, IActorRef leases, Incarnations incarnations)
        {
            var fail = incarnations.Next() == 1;
            Receive<WorkLease>(lease =>
            {
                leases.Tell(lease);
                if (fail) throw new InvalidOperationException("simulated sampler crash (e.g. out of memory in generation)");
            });
            Receive<NoWorkYet>(_ => { });
            coordinator.Tell(new RequestWork("failing", 0));
        }
    }
}
