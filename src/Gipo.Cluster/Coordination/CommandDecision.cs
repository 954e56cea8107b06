namespace Gipo.Cluster.Coordination;

/// <summary>A learner command's events, or why it was rejected (then there are none).</summary>
public sealed record CommandDecision(IReadOnlyList<ILedgerEvent> Events, string? Rejection)
{
    /// <summary>The command is valid (possibly a no-op repeat).</summary>
    public bool Accepted => Rejection is null;
}
