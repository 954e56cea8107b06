namespace Gipo.Cluster.Coordination;

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
