namespace Gipo.Cluster.Coordination;

/// <summary>The ledger's verdict on a live settings change (<see cref="RunLedger.ChangeSettings"/>).</summary>
/// <param name="Change">The event to journal (or, with <paramref name="AlreadyJournaled"/>, the one journaled before); null when refused.</param>
/// <param name="AlreadyJournaled">The request id was journaled before: nothing to persist, answer with <paramref name="Change"/>.</param>
/// <param name="Refusal">Why the change is refused; null when accepted.</param>
public sealed record SettingsDecision(SettingsChanged? Change, bool AlreadyJournaled, string? Refusal)
{
    /// <summary>A refusal with its reason.</summary>
    public static SettingsDecision Refused(string reason) => new(null, false, reason);

    /// <summary>The events to persist: the new change, or none.</summary>
    public IReadOnlyList<ILedgerEvent> Events => Change is { } c && !AlreadyJournaled ? [c] : [];
}
