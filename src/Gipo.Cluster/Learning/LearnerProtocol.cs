using Gipo.Cluster.Serialization;

namespace Gipo.Cluster.Learning;

// The messages LearnerActor sends beyond the coordinator's, scheduler's, store's and sink's protocols.

/// <summary>The run reached its target step: the last checkpoint is committed and the last evaluation logged.</summary>
/// <param name="EvalPassAt1">The final held-out pass@1.</param>
/// <param name="Checkpoint">The final checkpoint's folder (an HF checkpoint plus optimizer/probe/scheduler state).</param>
public sealed record RunFinished(long Step, long PolicyVersion, double? EvalPassAt1, string Checkpoint) : IGipoMessage;

/// <summary>The learner could not start or continue (bad checkpoint, a config that no longer matches the journal, a step
/// failure that would repeat on every retry). The run stops.</summary>
public sealed record RunFailed(string Reason) : IGipoMessage;

/// <summary>
/// Asks the local learner to hand over before its node leaves the cluster (a graceful SIGTERM): it finishes the step
/// it is in (the request waits in its mailbox behind it), commits a checkpoint of that step unless one is committed
/// already, answers <see cref="LearnerHandedOver"/>, and from then on trains nothing more, so that the standby that
/// takes the singletons over continues from exactly that checkpoint. Local only: sent by the node's shutdown task to
/// the learner on the same node, never across nodes.
/// </summary>
public sealed class HandOverLearner : Akka.Actor.INoSerializationVerificationNeeded
{
    /// <summary>The one instance.</summary>
    public static HandOverLearner Instance { get; } = new();

    private HandOverLearner()
    {
    }
}

/// <summary>The learner's answer to <see cref="HandOverLearner"/> (local only, like the request).</summary>
/// <param name="Step">The learner step the standby continues from (the step of <paramref name="Checkpoint"/>); −1 when the learner had not started.</param>
/// <param name="PolicyVersion">The policy version at <paramref name="Step"/>.</param>
/// <param name="Checkpoint">The committed checkpoint's folder, or null when none is committed (the standby starts from the base model).</param>
/// <param name="Written">True when the hand-over wrote and committed this checkpoint; false when the last committed one was already of <paramref name="Step"/>.</param>
/// <param name="Error">Why the hand-over failed (the checkpoint could not be written or committed); null when it succeeded.</param>
public sealed record LearnerHandedOver(long Step, long PolicyVersion, string? Checkpoint, bool Written, string? Error) : Akka.Actor.INoSerializationVerificationNeeded;
