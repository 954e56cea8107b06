using Gipo.Cluster.Serialization;

namespace Gipo.Cluster.Coordination;

/// <summary>
/// An event of the run ledger: the only way its state changes. Events are facts already decided by
/// <see cref="RunLedger"/>; <see cref="RunLedger.Apply"/> folds them without deciding anything again, so a replay of
/// the journal rebuilds exactly the state that produced it.
/// </summary>
public interface ILedgerEvent : IGipoMessage;

/// <summary>A lease: group <paramref name="GroupId"/> of prompt slot <paramref name="Sequence"/> went to a holder.</summary>
/// <param name="Sequence">The slot's position in the run's prompt order (re-issues keep it, with its prompt and seed).</param>
/// <param name="PromptIndex">Index of the prompt in the task's data set.</param>
/// <param name="Seed">Sampling seed of the group: the same slot always samples with the same seed.</param>
/// <param name="PolicyVersion">The learner's policy version when the lease was granted.</param>
/// <param name="SamplerVersion">The policy version the requesting sampler holds.</param>
/// <param name="LeaseHolder">Who holds the lease (the holder's serialized actor path, uid included).</param>
/// <param name="DeadlineUtc">After this instant the lease expires and the slot is issued again.</param>
public sealed record GroupIssued(
    long GroupId, long Sequence, long PromptIndex, ulong Seed, long PolicyVersion, long SamplerVersion,
    string LeaseHolder, DateTime DeadlineUtc) : ILedgerEvent;

/// <summary>The G completions exist; <paramref name="Holder"/> (typically the scorer) now holds the lease until
/// <paramref name="DeadlineUtc"/>.</summary>
public sealed record GroupGenerated(long GroupId, string Holder, DateTime DeadlineUtc) : ILedgerEvent;

/// <summary>The group was scored. Only its summary is journaled: trajectories never go into events.</summary>
/// <param name="MinVersion">Oldest behaviour version among the group's trajectories (staleness is measured from it, §A.8).</param>
/// <param name="Informative">Rewards differ within the group (§A.7).</param>
/// <param name="Samples">G, the number of trajectories.</param>
/// <param name="RewardMean">Mean outcome reward, for status and metrics.</param>
public sealed record GroupScored(long GroupId, long MinVersion, bool Informative, int Samples, double RewardMean) : ILedgerEvent;

/// <summary>The group went into the batch of learner step <paramref name="LearnerStep"/>.</summary>
public sealed record GroupConsumed(long GroupId, long LearnerStep) : ILedgerEvent;

/// <summary>
/// The group ends without training (or, for <see cref="DropReason.ResumedRollback"/>, its training or filtering is
/// undone). Every reason except <see cref="DropReason.Filtered"/> puts the group's prompt slot back in the queue.
/// </summary>
public sealed record GroupDropped(long GroupId, DropReason Reason) : ILedgerEvent;

/// <summary>The learner finished step <paramref name="LearnerStep"/> and now holds policy version <paramref name="PolicyVersion"/>.</summary>
public sealed record LearnerStepCompleted(long LearnerStep, long PolicyVersion) : ILedgerEvent;

/// <summary>
/// The learner's checkpoint of step <paramref name="LearnerStep"/> is on disk (written to a temporary folder and
/// renamed): <paramref name="Path"/> holds its manifest, whose SHA-256 is <paramref name="Sha256"/>. Tensors never
/// go into the journal; this record is all it keeps of a checkpoint.
/// </summary>
public sealed record CheckpointCommitted(long LearnerStep, long PolicyVersion, string Path, string Sha256) : ILedgerEvent;

/// <summary>
/// The run resumed from the checkpoint of <paramref name="LearnerStep"/>: the learner is back at that step and
/// <paramref name="PolicyVersion"/>. The <see cref="GroupDropped"/> events with reason
/// <see cref="DropReason.ResumedRollback"/> that precede it returned the undone work to the queue.
/// </summary>
public sealed record RolledBackToCheckpoint(long LearnerStep, long PolicyVersion) : ILedgerEvent;
