namespace Gipo.Cluster.Coordination;

/// <summary>What the audited events add up to.</summary>
/// <param name="Events">Events audited.</param>
/// <param name="GroupsIssued">Groups issued (re-issues count: each is a new group).</param>
/// <param name="SlotsDrawn">Prompt slots drawn: the cursor's next sequence.</param>
/// <param name="Consumed">Consumptions still in effect.</param>
/// <param name="ConsumptionsUndone">Consumptions undone by rollbacks (and re-assembled batches).</param>
/// <param name="Filtered">Groups whose fate is "filtered" (not rolled back).</param>
/// <param name="Requeued">Slots waiting in the re-issue queue at the end.</param>
/// <param name="Active">Groups issued, generated or scored at the end.</param>
/// <param name="StepsCompleted"><see cref="LearnerStepCompleted"/> events (steps redone after a rollback count again).</param>
/// <param name="Rollbacks"><see cref="RolledBackToCheckpoint"/> events.</param>
/// <param name="Checkpoints"><see cref="CheckpointCommitted"/> events.</param>
public readonly record struct LedgerAuditCounts(
    long Events, long GroupsIssued, long SlotsDrawn, long Consumed, long ConsumptionsUndone, long Filtered, long Requeued,
    long Active, long StepsCompleted, long Rollbacks, long Checkpoints);
