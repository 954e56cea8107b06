using Gipo.Cluster.Serialization;
using Gipo.Core.Algorithm;

namespace Gipo.Cluster.Coordination;

/// <summary>Where a group is in its life: Issued → (Generated →) Scored → Consumed, or Dropped from any of them.</summary>
public enum GroupState : byte
{
    Issued = 1,
    Generated = 2,
    Scored = 3,
    Consumed = 4,
    Dropped = 5,
}

/// <summary>Why a group ended without training. The numeric values are journaled: never renumber.</summary>
public enum DropReason : byte
{
    /// <summary>Δ_g &gt; η at consumption (§A.8 guard); the prompt goes back to the head of the queue.</summary>
    Stale = 1,

    /// <summary>Not informative under dynamic sampling (§A.7); the prompt is not retried.</summary>
    Filtered = 2,

    /// <summary>The lease passed its deadline; the same prompt and seed are issued again.</summary>
    LeaseExpiredReissued = 3,

    /// <summary>The holder terminated (DeathWatch); the same prompt and seed are issued again at once.</summary>
    SamplerDiedReissued = 4,

    /// <summary>Undone by a resume: in flight, buffered and lost, or decided after the checkpoint resumed from.</summary>
    ResumedRollback = 5,
}

/// <summary>Names of <see cref="DropReason"/> as status output and metrics print them.</summary>
public static class DropReasons
{
    /// <summary>Every reason, in journal order.</summary>
    public static IReadOnlyList<DropReason> All { get; } = Enum.GetValues<DropReason>();

    /// <summary>The kebab-case name: <c>stale</c>, <c>filtered</c>, <c>lease-expired-reissued</c>, <c>sampler-died-reissued</c>, <c>resumed-rollback</c>.</summary>
    public static string Name(this DropReason reason) => reason switch
    {
        DropReason.Stale => "stale",
        DropReason.Filtered => "filtered",
        DropReason.LeaseExpiredReissued => "lease-expired-reissued",
        DropReason.SamplerDiedReissued => "sampler-died-reissued",
        DropReason.ResumedRollback => "resumed-rollback",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown drop reason"),
    };

    /// <summary>Whether the dropped group's prompt slot goes back into the queue. A filtered prompt carried no signal; it is not retried.</summary>
    public static bool Requeues(this DropReason reason) => reason != DropReason.Filtered;
}

/// <summary>One draw from the prompt order: position <paramref name="Sequence"/>, its prompt and its sampling seed.</summary>
public readonly record struct PromptSlot(long Sequence, long PromptIndex, ulong Seed);

/// <summary>The data cursor: epoch and index in that epoch's permutation of the next fresh draw.</summary>
public readonly record struct PromptCursor(long Epoch, long Index, long NextSequence);

/// <summary>What the ledger keeps of a scored group (never the trajectories).</summary>
public readonly record struct GroupOutcome(long MinVersion, bool Informative, int Samples, double RewardMean)
{
    /// <summary>The summary of <paramref name="group"/>.</summary>
    public static GroupOutcome Of(ScoredGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var rewardMean = group.Scores.Count == 0 ? 0.0 : group.Scores.Average(s => s.Reward);
        return new GroupOutcome(group.MinVersion, group.Informative, group.Members.Count, rewardMean);
    }
}

/// <summary>One group as the ledger knows it.</summary>
/// <param name="PolicyVersion">The learner's version when the lease was granted.</param>
/// <param name="SamplerVersion">The version the first holder reported.</param>
/// <param name="Holder">The current lease holder (meaningful while Issued or Generated).</param>
/// <param name="Outcome">Set once scored.</param>
/// <param name="ScoredOrdinal">Arrival order of results: batches take scored groups first in, first out (§A.7).</param>
/// <param name="Step">Consumed: the learner step. Filtered: the learner step completed when it was filtered.</param>
public sealed record GroupEntry(
    long GroupId, PromptSlot Slot, GroupState State, long PolicyVersion, long SamplerVersion, string Holder,
    DateTime DeadlineUtc, GroupOutcome? Outcome, long ScoredOrdinal, long Step);

/// <summary>Groups by state. <see cref="Consumed"/> is net of rollbacks; <see cref="Dropped"/> is the sum of <see cref="DropCounts"/>.</summary>
public readonly record struct GroupCounts(long Issued, long Generated, long Scored, long Consumed, long Dropped);

/// <summary>Dropped groups by reason: each group counts under its current fate (a rollback moves filtered groups to resumed-rollback).</summary>
public readonly record struct DropCounts(long Stale, long Filtered, long LeaseExpiredReissued, long SamplerDiedReissued, long ResumedRollback)
{
    /// <summary>All drops.</summary>
    public long Total => Stale + Filtered + LeaseExpiredReissued + SamplerDiedReissued + ResumedRollback;

    /// <summary>The count for <paramref name="reason"/>.</summary>
    public long this[DropReason reason] => reason switch
    {
        DropReason.Stale => Stale,
        DropReason.Filtered => Filtered,
        DropReason.LeaseExpiredReissued => LeaseExpiredReissued,
        DropReason.SamplerDiedReissued => SamplerDiedReissued,
        DropReason.ResumedRollback => ResumedRollback,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown drop reason"),
    };

    /// <summary>These counts with <paramref name="delta"/> added under <paramref name="reason"/>.</summary>
    public DropCounts Add(DropReason reason, long delta) => reason switch
    {
        DropReason.Stale => this with { Stale = Stale + delta },
        DropReason.Filtered => this with { Filtered = Filtered + delta },
        DropReason.LeaseExpiredReissued => this with { LeaseExpiredReissued = LeaseExpiredReissued + delta },
        DropReason.SamplerDiedReissued => this with { SamplerDiedReissued = SamplerDiedReissued + delta },
        DropReason.ResumedRollback => this with { ResumedRollback = ResumedRollback + delta },
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown drop reason"),
    };
}

/// <summary>What <c>gipo status</c> shows of the ledger.</summary>
/// <param name="AdmissionCapacity">How many more groups may be leased now (§A.8, capped by the target steps).</param>
/// <param name="SamplesConsumed">Samples of consumed plus filtered groups (filtered ones count as consumed, §A.7).</param>
/// <param name="Requeued">Prompt slots waiting to be issued again, ahead of fresh prompts.</param>
public sealed record LedgerStatus(
    long LearnerStep, long PolicyVersion, long TargetSteps, bool Finished, GroupCounts Groups, DropCounts Drops,
    PromptCursor Cursor, long Requeued, long TotalIssued, long AdmissionCapacity, long SamplesConsumed,
    CheckpointCommitted? LastCheckpoint)
{
    /// <summary>
    /// The run is over: the target step is done and its final checkpoint committed. <see cref="Finished"/> turns true one
    /// step earlier, when the learner reports the last step, before its evaluation and checkpoint are written.
    /// </summary>
    public bool Complete => Finished && LastCheckpoint is { } c && c.LearnerStep == LearnerStep;

    /// <summary>
    /// The committed checkpoints a resume may roll back to, oldest first (<see cref="RunLedger.Checkpoints"/>); the last is
    /// <see cref="LastCheckpoint"/>. Empty from senders that predate it.
    /// </summary>
    public IReadOnlyList<CheckpointCommitted> Checkpoints { get; init; } = [];

    /// <summary>Every value equal, <see cref="Checkpoints"/> compared element by element.</summary>
    public bool Equals(LedgerStatus? other) =>
        other is not null && LearnerStep == other.LearnerStep && PolicyVersion == other.PolicyVersion && TargetSteps == other.TargetSteps
        && Finished == other.Finished && Groups == other.Groups && Drops == other.Drops && Cursor == other.Cursor && Requeued == other.Requeued
        && TotalIssued == other.TotalIssued && AdmissionCapacity == other.AdmissionCapacity && SamplesConsumed == other.SamplesConsumed
        && LastCheckpoint == other.LastCheckpoint && Checkpoints.SequenceEqual(other.Checkpoints);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(LearnerStep, PolicyVersion, Groups, Drops, Cursor, TotalIssued, LastCheckpoint, Checkpoints.Count);
}

/// <summary>
/// The whole ledger state, for Akka snapshots. Only what a rollback or a result can still touch is kept per group:
/// groups in flight or scored, and groups consumed or filtered after the oldest checkpoint a resume may still roll
/// back to (<see cref="RunLedger.FallbackCheckpoints"/>); older ones are counters.
/// </summary>
public sealed record LedgerSnapshot(
    long NextGroupId, long NextSequence, long NextScoredOrdinal, long LearnerStep, long PolicyVersion,
    long ConsumedCount, long ConsumedSamples, long FilteredSamples, DropCounts Drops, CheckpointCommitted? LastCheckpoint,
    IReadOnlyList<PromptSlot> Requeue, IReadOnlyList<GroupEntry> Active, IReadOnlyList<GroupEntry> RecentConsumed,
    IReadOnlyList<GroupEntry> RecentFiltered, IReadOnlyList<SettingsChanged>? SettingsChanges = null) : IGipoMessage
{
    /// <summary>The checkpoints a resume may roll back to, oldest first (<see cref="RunLedger.Checkpoints"/>); null in snapshots that predate it (sld1, sld2).</summary>
    public IReadOnlyList<CheckpointCommitted>? Checkpoints { get; init; }
}

/// <summary>The answer to a request for work: a lease to persist, or why there is none.</summary>
public sealed record WorkDecision(GroupIssued? Lease, string? Refusal);

/// <summary>What happened to a reported result.</summary>
public enum ResultOutcome : byte
{
    /// <summary>Scored and waiting for a batch.</summary>
    Accepted = 1,

    /// <summary>Scored but not informative under dynamic sampling: dropped.</summary>
    Filtered = 2,

    /// <summary>Already counted, or for a group that is no longer active (re-issued, dropped, consumed): no effect.</summary>
    Ignored = 3,

    /// <summary>Malformed for this run (wrong group size, a version newer than the learner's): no effect.</summary>
    Rejected = 4,
}

/// <summary>The ledger's verdict on a result and the events that record it.</summary>
public sealed record ResultDecision(ResultOutcome Outcome, string Reason, IReadOnlyList<ILedgerEvent> Events);

/// <summary>How a request for a batch ended.</summary>
public enum BatchOutcome : byte
{
    /// <summary>B groups are consumed at the step.</summary>
    Ready = 1,

    /// <summary>Too few usable groups yet; drops found on the way are still recorded.</summary>
    NotEnough = 2,

    /// <summary>The request does not fit the ledger (not the next step, run finished).</summary>
    Rejected = 3,
}

/// <summary>The ledger's batch decision: the groups of the step (when ready) and the events to persist.</summary>
public sealed record BatchDecision(BatchOutcome Outcome, IReadOnlyList<long> GroupIds, IReadOnlyList<ILedgerEvent> Events, string Reason)
{
    /// <summary>
    /// Groups dynamic sampling has examined for the step (filtered since the previous step completed, plus the usable
    /// scored ones) when the batch is short of B; 0 otherwise.
    /// </summary>
    public long Examined { get; init; }

    /// <summary>
    /// The max-gen-rounds cap (§A.7) was reached: a <see cref="BatchOutcome.Ready"/> batch has fewer than B groups, a
    /// <see cref="BatchOutcome.NotEnough"/> one has none accepted yet. The coordinator warns about it.
    /// </summary>
    public bool CapReached { get; init; }

    /// <summary>
    /// Under dynamic sampling, complete rounds of B groups filtered for the step while none was kept (every group's
    /// rewards equal); 0 when a group was kept or dynamic sampling is off. The coordinator warns once per round.
    /// </summary>
    public long EmptyRounds { get; init; }

    /// <summary>
    /// <see cref="EmptyRounds"/> reached <see cref="LedgerSettings.MaxEmptyRounds"/>: nothing suggests the next round will
    /// keep a group, so the run ends with <see cref="Reason"/> instead of generating for ever.
    /// </summary>
    public bool Exhausted { get; init; }
}

/// <summary>A learner command's events, or why it was rejected (then there are none).</summary>
public sealed record CommandDecision(IReadOnlyList<ILedgerEvent> Events, string? Rejection)
{
    /// <summary>The command is valid (possibly a no-op repeat).</summary>
    public bool Accepted => Rejection is null;
}
