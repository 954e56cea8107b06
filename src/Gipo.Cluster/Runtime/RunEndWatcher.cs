using Akka.Actor;
using Akka.Cluster;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// Tells the node's <see cref="RunOutcomeListener"/> when the run is over for this node. It asks the coordinator every
/// <c>poll</c> whether the run is complete (last step done and checkpointed): this is how a node that does not host
/// the learner (a sampler node, a standby learner) ends when the run ends. Polling rather than a broadcast: a missed
/// broadcast would leave a node running forever, a missed poll is repeated.
/// <para>
/// A node can still miss the end (it was stalled while the last coordinator node lingered and left). So once a
/// coordinator node has been seen, a cluster without one for <c>orphanTimeout</c> ends this node too, with the
/// reason, instead of leaving it waiting for a coordinator that may never come back.
/// </para>
/// </summary>
public sealed class RunEndWatcher : ReceiveActor, IWithTimers
{
    private const string PollTimer = "poll";
    private const string OrphanTimer = "orphan";
    private readonly TimeSpan poll;
    private readonly HashSet<Address> coordinators = [];
    private bool seenCoordinator;

    /// <summary>Use <see cref="Props"/>.</summary>
    public RunEndWatcher(IActorRef coordinator, IActorRef listener, TimeSpan poll, TimeSpan orphanTimeout)
    {
        this.poll = poll;
        Receive<Poll>(_ => coordinator.Tell(GetStatus.Instance));
        Receive<RunStatus>(s =>
        {
            if (!s.Ledger.Complete) return;
            listener.Tell(new RunFinished(s.Ledger.LearnerStep, s.Ledger.PolicyVersion, null, s.Ledger.LastCheckpoint?.Path ?? ""));
            Timers.CancelAll();
        });
        Receive<ClusterEvent.MemberUp>(m => Track(m.Member, up: true, orphanTimeout));
        Receive<ClusterEvent.MemberWeaklyUp>(m => Track(m.Member, up: true, orphanTimeout));
        Receive<ClusterEvent.IMemberEvent>(m => Track(m.Member, up: false, orphanTimeout));
        Receive<ClusterEvent.UnreachableMember>(m => Track(m.Member, up: false, orphanTimeout));
        Receive<ClusterEvent.ReachableMember>(m => Track(m.Member, up: m.Member.Status is MemberStatus.Up or MemberStatus.WeaklyUp, orphanTimeout));
        Receive<Orphaned>(_ => listener.Tell(new RunFailed(
            $"no coordinator node has been in the cluster for {orphanTimeout.TotalSeconds:F0} s: the run ended while this node was not looking, " +
            "or every coordinator node is gone (gipo status --run ID tells which)")));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of a watcher asking <paramref name="coordinator"/> (a singleton proxy) every <paramref name="poll"/>.</summary>
    public static Props Props(IActorRef coordinator, IActorRef listener, TimeSpan poll, TimeSpan orphanTimeout) =>
        Akka.Actor.Props.Create(() => new RunEndWatcher(coordinator, listener, poll, orphanTimeout));

    /// <inheritdoc />
    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(PollTimer, Poll.Instance, poll);
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
    }

    /// <inheritdoc />
    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void Track(Member member, bool up, TimeSpan orphanTimeout)
    {
        if (!member.HasRole(NodeRoles.Coordinator)) return;
        if (up) coordinators.Add(member.Address);
        else coordinators.Remove(member.Address);
        if (coordinators.Count > 0)
        {
            seenCoordinator = true;
            Timers.Cancel(OrphanTimer);
        }
        else if (seenCoordinator && !Timers.IsTimerActive(OrphanTimer)) Timers.StartSingleTimer(OrphanTimer, Orphaned.Instance, orphanTimeout);
    }

    private sealed class Poll : INoSerializationVerificationNeeded
    {
        public static Poll Instance { get; } = new();
    }

    private sealed class Orphaned : INoSerializationVerificationNeeded
    {
        public static Orphaned Instance { get; } = new();
    }
}
