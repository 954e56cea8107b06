using Gipo.Cluster.Serialization;
using Gipo.Core.Algorithm;

namespace Gipo.Cluster.Coordination;

// The messages of RunCoordinator. All are immutable and travel through GipoSerializer (manifests in CoordinationCodecs).

/// <summary>
/// A sampler asks for a group. Send it with <c>Tell</c> from the actor that will do the work: the coordinator watches
/// the sender as the lease holder, so the temporary actor behind <c>Ask</c> would "die" at once and lose the lease.
/// Answered by <see cref="WorkLease"/> or <see cref="NoWorkYet"/>.
/// </summary>
/// <param name="SamplerId">A readable name for logs.</param>
/// <param name="PolicyVersion">The version of the weights the sampler holds (the readiness gate checks it).</param>
public sealed record RequestWork(string SamplerId, long PolicyVersion) : IGipoMessage;

/// <summary>A lease on group <paramref name="GroupId"/>: generate <paramref name="GroupSize"/> completions of the prompt with
/// <paramref name="Seed"/> before <paramref name="DeadlineUtc"/>.</summary>
/// <param name="PolicyVersion">The learner's version when the lease was granted.</param>
public sealed record WorkLease(long GroupId, long PromptIndex, ulong Seed, int GroupSize, long PolicyVersion, DateTime DeadlineUtc) : IGipoMessage;

/// <summary>No lease now (admission control, stale or too-new weights, run finished); ask again later.</summary>
public sealed record NoWorkYet(string Reason) : IGipoMessage;

/// <summary>
/// Group <paramref name="GroupId"/> is generated; its sender (typically the scorer that received the rollouts) now
/// holds the lease and is watched instead of the sampler. No answer.
/// </summary>
public sealed record GenerationDone(long GroupId) : IGipoMessage;

/// <summary>A scored group. Answered by <see cref="ResultAck"/>; only the first result of an active group counts.</summary>
public sealed record GroupResult(ScoredGroup Group) : IGipoMessage;

/// <summary>What the ledger did with a <see cref="GroupResult"/>.</summary>
public sealed record ResultAck(long GroupId, ResultOutcome Outcome, string Reason) : IGipoMessage;

/// <summary>The learner asks for the batch of <paramref name="LearnerStep"/> (the next step). Answered by <see cref="TrainBatch"/>,
/// <see cref="NotEnoughGroups"/> or <see cref="CommandRejected"/>.</summary>
public sealed record NextBatch(long LearnerStep) : IGipoMessage;

/// <summary>The B groups of a learner step (§S <c>TrainBatch</c>), with the live settings changes in force at it.</summary>
/// <param name="PolicyVersion">The learner's version the consumption guard measured staleness against.</param>
/// <param name="SamplesConsumedSoFar">Samples of all consumed and filtered groups, this batch included (§A.7).</param>
public sealed record TrainBatch(long LearnerStep, long PolicyVersion, IReadOnlyList<ScoredGroup> Groups, long SamplesConsumedSoFar) : IGipoMessage
{
    /// <summary>
    /// The prompt index of each group of <see cref="Groups"/> (same order; −1 where the ledger no longer knew it), for
    /// the rollout log. Empty from senders that predate it.
    /// </summary>
    public IReadOnlyList<long> PromptIndexes { get; init; } = [];

    /// <summary>
    /// Scored groups the ledger dropped since the previous batch (filtered by dynamic sampling, or stale when this
    /// batch was assembled) whose trajectories the coordinator still held: the rollout log records them with the
    /// reason. They are never trained on.
    /// </summary>
    public IReadOnlyList<DroppedGroup> Dropped { get; init; } = [];

    /// <summary>
    /// Every journaled live change effective at or before <see cref="LearnerStep"/>, in journal order
    /// (<see cref="Configuration.SettingsInForce"/> turns them into the step's settings); empty: none.
    /// </summary>
    public IReadOnlyList<SettingsChanged> SettingsChanges { get; init; } = [];
}

/// <summary>A scored group the ledger dropped, with why and its prompt index (−1 when unknown).</summary>
public sealed record DroppedGroup(ScoredGroup Group, long PromptIndex, DropReason Reason);

/// <summary>Fewer than B usable groups are scored for <paramref name="LearnerStep"/>; ask again later.</summary>
public sealed record NotEnoughGroups(long LearnerStep, string Reason) : IGipoMessage;

/// <summary>The learner finished <paramref name="LearnerStep"/> and published <paramref name="PolicyVersion"/>. Answered by <see cref="RunStatus"/>
/// or <see cref="CommandRejected"/>.</summary>
public sealed record StepCompleted(long LearnerStep, long PolicyVersion) : IGipoMessage;

/// <summary>The learner's checkpoint is on disk (renamed into place). Answered by <see cref="RunStatus"/> or <see cref="CommandRejected"/>.</summary>
/// <param name="Path">The checkpoint manifest's path.</param>
/// <param name="Sha256">The manifest's SHA-256, hex.</param>
public sealed record CommitCheckpoint(long LearnerStep, long PolicyVersion, string Path, string Sha256) : IGipoMessage;

/// <summary>
/// The learner resumed from the checkpoint of <paramref name="LearnerStep"/> (the last committed one; 0 when none):
/// return what came after it to the pool. Answered by <see cref="RunStatus"/> or <see cref="CommandRejected"/>.
/// </summary>
public sealed record RollbackToCheckpoint(long LearnerStep) : IGipoMessage;

/// <summary>Asks for <see cref="RunStatus"/>.</summary>
public sealed record GetStatus : IGipoMessage
{
    /// <summary>The only instance needed.</summary>
    public static GetStatus Instance { get; } = new();
}

/// <summary>The run's ledger as <c>gipo status</c> shows it.</summary>
public sealed record RunStatus(string RunId, LedgerStatus Ledger) : IGipoMessage;

/// <summary>A learner command that does not fit the ledger; nothing changed.</summary>
/// <param name="Command">The rejected message's type name.</param>
public sealed record CommandRejected(string Command, string Reason) : IGipoMessage;

/// <summary>
/// A live change of the run's settings (<c>gipo set</c>, delivered by <see cref="Runtime.SettingsInbox"/>). Answered by
/// <see cref="SettingsChangeAccepted"/> once the <see cref="SettingsChanged"/> event is journaled, or by
/// <see cref="SettingsChangeRefused"/> (nothing journaled). Idempotent by <paramref name="RequestId"/>.
/// </summary>
public sealed record ChangeSettings(string RequestId, IReadOnlyList<SettingChange> Changes) : IGipoMessage;

/// <summary>The change is journaled (now, or before under the same request id) and takes effect at <c>Change.EffectiveStep</c>.</summary>
public sealed record SettingsChangeAccepted(SettingsChanged Change) : IGipoMessage;

/// <summary>The change was refused with <paramref name="Reason"/>; nothing was journaled.</summary>
public sealed record SettingsChangeRefused(string RequestId, string Reason) : IGipoMessage;
