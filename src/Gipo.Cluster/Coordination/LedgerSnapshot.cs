using Gipo.Cluster.Serialization;

namespace Gipo.Cluster.Coordination;

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
    /// <summary>The checkpoints a resume may roll back to, oldest first (<see cref="RunLedger.Checkpoints"/>); null in snapshots that predate it
    /// (sld1, sld2).</summary>
    public IReadOnlyList<CheckpointCommitted>? Checkpoints { get; init; }
}
