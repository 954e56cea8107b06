namespace Gipo.Cluster.Coordination;

/// <summary>One group as the ledger knows it.</summary>
/// <param name="PolicyVersion">The learner's version when the lease was granted.</param>
/// <param name="SamplerVersion">The version the first holder reported.</param>
/// <param name="Holder">The current lease holder (meaningful while Issued or Generated).</param>
/// <param name="Outcome">Set once scored.</param>
/// <param name="ScoredOrdinal">Arrival order of results: batches take scored groups first in, first out (§A.7).</param>
/// <param name="Step">Consumed: the learner step. Filtered: the learner step completed when it was filtered.</param>
public sealed record GroupEntry(
    long GroupId, PromptSlot Slot, GroupState State, long PolicyVersion, long SamplerVersion, string Holder,
    DateTime DeadlineUtc, GroupOutcome? Outcome, long ScoredOrdinal, long Step);
