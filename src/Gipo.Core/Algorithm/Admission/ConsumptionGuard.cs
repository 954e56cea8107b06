namespace Gipo.Core.Algorithm.Admission;

/// <summary>
/// The secondary staleness check at consumption (docs/algorithm.md §A.8, check 3). Admission control already guarantees
/// Δ ≤ η; this guard catches what slips through, e.g. after a restart or a slow sampler.
/// </summary>
public static class ConsumptionGuard
{
    /// <summary>Accept a group of staleness Δ_g iff Δ_g ≤ η.</summary>
    public static ConsumptionDecision Check(long groupStaleness, int maxStaleness)
    {
        if (groupStaleness < 0) throw new ArgumentOutOfRangeException(nameof(groupStaleness), groupStaleness, "staleness is >= 0");
        if (maxStaleness < 0) throw new ArgumentOutOfRangeException(nameof(maxStaleness), maxStaleness, "η must be >= 0");
        return groupStaleness > maxStaleness ? ConsumptionDecision.DropStale : ConsumptionDecision.Accept;
    }

    /// <summary>The check on Δ_g = v^L − min v^b computed from the group's behaviour versions (per trajectory or per token).</summary>
    public static ConsumptionDecision Check(long learnerVersion, IReadOnlyList<long> behaviourVersions, int maxStaleness) =>
        Check(Staleness.GroupStaleness(learnerVersion, behaviourVersions), maxStaleness);
}
