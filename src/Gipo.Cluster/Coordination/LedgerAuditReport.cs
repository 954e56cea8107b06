namespace Gipo.Cluster.Coordination;

/// <summary>The verdict of <see cref="LedgerAudit.Run"/>.</summary>
/// <param name="ConsumedTwice">Slots (hence also group ids) consumed more than once with both consumptions in effect.</param>
/// <param name="Lost">Slots drawn that are nowhere.</param>
/// <param name="StalenessViolations">Consumptions that broke Δ ≤ η (undone ones included: the guard was still broken).</param>
/// <param name="Anomalies">
/// Everything else that is wrong: the first event <see cref="RunLedger"/> refused to apply (the ledger is not fed after
/// it), a slot in two places at once, and any difference between the ledger's own accounting and this audit's.
/// </param>
/// <param name="Ledger">The status of the <see cref="RunLedger"/> the events were applied to; null if it refused one.</param>
/// <param name="Consumptions">Every consumption, in journal order.</param>
/// <param name="SettingsChanges">The live settings changes (<c>gipo set</c>) the journal holds, in journal order.</param>
public sealed record LedgerAuditReport(
    LedgerAuditCounts Counts, long FinalLearnerStep, long FinalPolicyVersion,
    IReadOnlyList<DoubleConsumption> ConsumedTwice, IReadOnlyList<LostSlot> Lost, IReadOnlyList<StalenessViolation> StalenessViolations,
    IReadOnlyList<string> Anomalies, LedgerStatus? Ledger, IReadOnlyList<Consumption> Consumptions,
    IReadOnlyList<SettingsChanged>? SettingsChanges = null)
{
    /// <summary>Nothing trained twice, nothing lost, no staleness violation, no anomaly.</summary>
    public bool Clean => ConsumedTwice.Count == 0 && Lost.Count == 0 && StalenessViolations.Count == 0 && Anomalies.Count == 0;

    /// <summary>
    /// The clean verdict in words: <see cref="LedgerAuditCounts.Consumed"/> already leaves out the consumptions that
    /// rollbacks undid (subtracting them again under-counted: "1560 trained" for 1600, "0" after a resume).
    /// </summary>
    public string CleanSummary() =>
        $"{Counts.Consumed} groups trained once each ({Counts.ConsumptionsUndone} consumption(s) undone by rollbacks and trained again), " +
        $"none lost, staleness ≤ η, {Counts.Rollbacks} rollback(s)";

    /// <summary>One line per problem, for logs and status output.</summary>
    public IEnumerable<string> Problems() =>
        ConsumedTwice.Select(d =>
            $"slot {d.Sequence} consumed twice: " + string.Join(", ", d.Consumptions.Select(c => $"group {c.GroupId} at step {c.LearnerStep}")))
            .Concat(Lost.Select(l => $"slot {l.Sequence} lost: {l.Why}"))
            .Concat(StalenessViolations.Select(s => $"group {s.GroupId} consumed at step {s.LearnerStep} with Δ = {s.Staleness} > η = " +
                                                    $"{s.MaxStaleness} (v{s.PolicyVersion} − v{s.MinVersion}){(s.Undone ? ", later undone" : "")}"))
            .Concat(Anomalies);
}
