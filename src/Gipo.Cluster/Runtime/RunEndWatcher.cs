using Akka.Actor;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// Asks the coordinator every <c>poll</c> whether the run is complete (last step done and checkpointed) and, once it
/// is, tells the node's
/// <see cref="RunOutcomeListener"/>. This is how a node that does not host the learner (a sampler node, a standby
/// learner) ends when the run ends. Polling rather than a broadcast: a missed broadcast would leave a node running
/// forever, a missed poll is repeated.
/// </summary>
public sealed class RunEndWatcher : ReceiveActor, IWithTimers
{
    private const string PollTimer = "poll";

    /// <summary>Use <see cref="Props"/>.</summary>
    public RunEndWatcher(IActorRef coordinator, IActorRef listener, TimeSpan poll)
    {
        Receive<Poll>(_ => coordinator.Tell(GetStatus.Instance));
        Receive<RunStatus>(s =>
        {
            if (!s.Ledger.Complete) return;
            listener.Tell(new RunFinished(s.Ledger.LearnerStep, s.Ledger.PolicyVersion, null, s.Ledger.LastCheckpoint?.Path ?? ""));
            Timers.CancelAll();
        });
        this.poll = poll;
    }

    private readonly TimeSpan poll;

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer(PollTimer, Poll.Instance, poll);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of a watcher asking <paramref name="coordinator"/> (a singleton proxy) every <paramref name="poll"/>.</summary>
    public static Props Props(IActorRef coordinator, IActorRef listener, TimeSpan poll) =>
        Akka.Actor.Props.Create(() => new RunEndWatcher(coordinator, listener, poll));

    private sealed class Poll : INoSerializationVerificationNeeded
    {
        public static Poll Instance { get; } = new();
    }
}
