namespace Gipo.Cluster.Coordination;

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
    public override int GetHashCode() =>
        HashCode.Combine(LearnerStep, PolicyVersion, Groups, Drops, Cursor, TotalIssued, LastCheckpoint, Checkpoints.Count);
}
