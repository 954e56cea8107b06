namespace Gipo.Cluster.Coordination;

/// <summary>The answer to a request for work: a lease to persist, or why there is none.</summary>
public sealed record WorkDecision(GroupIssued? Lease, string? Refusal);
