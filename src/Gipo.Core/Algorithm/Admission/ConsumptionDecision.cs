namespace Gipo.Core.Algorithm.Admission;

/// <summary>What the learner does with an arriving group (docs/algorithm.md §A.8 consumption guard).</summary>
public enum ConsumptionDecision
{
    /// <summary>Δ_g ≤ η: the group may be trained on.</summary>
    Accept,

    /// <summary>
    /// Δ_g &gt; η: drop the whole group (never part of it: the group baseline needs all G samples), put its prompt
    /// back at the head of the prompt queue and increment <c>dropped_stale</c>.
    /// </summary>
    DropStale,
}
