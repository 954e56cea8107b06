using Akka.Actor;
using Akka.Cluster;
using Gipo.Cluster.Learning;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// The coordinated-shutdown task of a graceful leave (docs/architecture.md, "Graceful leave"): in phase
/// <c>before-cluster-shutdown</c>, before this node leaves the cluster and its singletons move, the learner hosted
/// here (if any) is asked to hand over (<see cref="HandOverLearner"/>): it finishes the step it is in, commits a
/// checkpoint of it and trains nothing more. Only then does the shutdown go on to <c>cluster-leave</c>, so the
/// standby's learner starts from that checkpoint and no trained step is rolled back.
/// </summary>
public static class LearnerHandOver
{
    /// <summary>The coordinated-shutdown phase the task runs in: after the node stopped taking new work, before it leaves.</summary>
    public const string Phase = CoordinatedShutdown.PhaseBeforeClusterShutdown;

    /// <summary>
    /// Whether a shutdown should hand the learner over: only a leave this process asked for
    /// (<see cref="CoordinatedShutdown.ClrExitReason"/>: SIGTERM, Ctrl+C, the end of the run) of a node that is still
    /// <see cref="MemberStatus.Up"/> (its singletons have not started to move) and has other members to hand over to.
    /// A node that was downed, or that is leaving because another member told it to, has already lost (or is losing)
    /// its singletons: a checkpoint written then could race the standby's learner.
    /// </summary>
    /// <param name="reason">Why the coordinated shutdown runs.</param>
    /// <param name="self">This node's member status.</param>
    /// <param name="otherMembers">Members other than this node that are not removed.</param>
    public static bool Applies(CoordinatedShutdown.Reason? reason, MemberStatus self, int otherMembers) =>
        reason is CoordinatedShutdown.ClrExitReason && self == MemberStatus.Up && otherMembers > 0;

    /// <summary>
    /// Asks the learner at <paramref name="learnerPath"/> on this node to hand over, waiting at most
    /// <paramref name="timeout"/> (the step it is in must finish first). Null when no learner lives here (a standby
    /// learner node, a sampler node); an answer with <see cref="LearnerHandedOver.Error"/> when it failed or did not
    /// answer in time.
    /// </summary>
    /// <param name="system">This node's actor system.</param>
    /// <param name="learnerPath">Where the learner lives when this node hosts it.</param>
    /// <param name="timeout">How long the step in progress and the checkpoint may take.</param>
    /// <param name="checkpoint">Commit a checkpoint of the current step (<see cref="HandOverLearner.Checkpoint"/>).</param>
    public static async Task<LearnerHandedOver?> RunAsync(ActorSystem system, string learnerPath, TimeSpan timeout, bool checkpoint = true)
    {
        var deadline = DateTime.UtcNow + timeout;
        try
        {
            // Identify is answered at once when nothing lives at the path, and by the learner between two messages
            // otherwise: the wait covers the step it is in.
            var identity = await system.ActorSelection(learnerPath).Ask<ActorIdentity>(new Identify(null), timeout).ConfigureAwait(false);
            if (identity.Subject is not { } learner) return null;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new AskTimeoutException("no time left");
            return await learner.Ask<LearnerHandedOver>(new HandOverLearner(checkpoint), left).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return new LearnerHandedOver(-1, -1, null, false,
                $"the learner did not hand over within {timeout.TotalSeconds:F0} s: its step was still running");
        }
    }
}
