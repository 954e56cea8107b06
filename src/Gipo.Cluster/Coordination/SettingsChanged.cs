namespace Gipo.Cluster.Coordination;

/// <summary>
/// Journal event: the settings of a running run changed (<c>gipo set</c>), from learner step
/// <paramref name="EffectiveStep"/> on — the first step whose batch was not yet handed out when the change was
/// accepted, so every step runs under one set of settings. The change was validated like a start-up setting before it
/// was journaled. It stays in force across a rollback with the same effective step, so the steps a resume repeats run
/// with exactly the settings they had the first time.
/// </summary>
/// <param name="RequestId">The id <c>gipo set</c> gave the request: a repeated request is answered with this event, not journaled twice.</param>
/// <param name="EffectiveStep">The first learner step that uses the new values.</param>
/// <param name="Changes">The keys and their new values, in the order given.</param>
public sealed record SettingsChanged(string RequestId, long EffectiveStep, IReadOnlyList<SettingChange> Changes) : ILedgerEvent
{
    /// <summary>Equal request, step and changes (the list compared element by element).</summary>
    public bool Equals(SettingsChanged? other) =>
        other is not null && RequestId == other.RequestId && EffectiveStep == other.EffectiveStep && Changes.SequenceEqual(other.Changes);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(RequestId, EffectiveStep, Changes.Count);
}
