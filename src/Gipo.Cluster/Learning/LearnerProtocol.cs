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
/// Asks the local learner to hand over before its node leaves the cluster or its process stops (SIGTERM, Ctrl+C): it
/// finishes the message it is in (the request waits in its mailbox behind a step, or a checkpoint and its commit),
/// with <paramref name="Checkpoint"/> commits a checkpoint of its current step unless one is committed already,
/// answers <see cref="LearnerHandedOver"/>, and from then on trains nothing more, so that whoever continues the run
/// (the standby that takes the singletons over, or a later resume) starts from exactly the last committed checkpoint.
/// Local only: sent by the node to the learner in the same process, never across nodes.
/// </summary>
/// <param name="Checkpoint">Write and commit a checkpoint of the current step (a graceful leave); false: only stop
/// training once the message in progress is done (<c>gipo train</c>'s quick stop).</param>
public sealed record HandOverLearner(bool Checkpoint) : Akka.Actor.INoSerializationVerificationNeeded;

/// <summary>The learner's answer to <see cref="HandOverLearner"/> (local only, like the request).</summary>
/// <param name="Step">The learner step whoever continues starts from (the step of <paramref name="Checkpoint"/>, 0 without one); −1 when the learner
/// had not started.</param>
/// <param name="PolicyVersion">The policy version at <paramref name="Step"/>.</param>
/// <param name="Checkpoint">The committed checkpoint's folder, or null when none is committed (the standby starts from the base model).</param>
/// <param name="Written">True when the hand-over wrote and committed this checkpoint; false when it names the last one committed before.</param>
/// <param name="Error">Why the hand-over failed (the checkpoint could not be written or committed); null when it succeeded.</param>
public sealed record LearnerHandedOver(long Step, long PolicyVersion, string? Checkpoint, bool Written, string? Error)
    : Akka.Actor.INoSerializationVerificationNeeded;
