namespace Gipo.Cluster.Coordination;

/// <summary>The ledger's verdict on a result and the events that record it.</summary>
public sealed record ResultDecision(ResultOutcome Outcome, string Reason, IReadOnlyList<ILedgerEvent> Events);
