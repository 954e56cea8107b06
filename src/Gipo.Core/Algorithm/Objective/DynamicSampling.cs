namespace Gipo.Core.Algorithm.Objective;

/// <summary>DAPO dynamic sampling (docs/algorithm.md §A.7, veRL <c>algorithm.filter_groups</c>): train only on groups whose
/// rewards differ, because a uniform group has zero advantage everywhere and contributes no gradient. <see cref="IsInformative"/>
/// is the one definition of an informative group: the ledger's filter (<c>ScoredGroup.Informative</c>, journaled in
/// <c>GroupScored</c>) and the learner's uniform-group test for IB credit (§C.7) both call it. Which groups a step takes
/// is the coordinator's rule (<c>RunLedger.NextBatch</c>), not this class's.</summary>
public static class DynamicSampling
{
    /// <summary>
    /// max_i R_i &gt; min_i R_i, compared exactly (no tolerance); for binary rewards, 0 &lt; Σ y &lt; G. Fewer than two
    /// rewards never differ. It throws for no list of rewards, so a property can expose it: a group with a non-finite reward is refused
    /// by <c>ScoredGroup.Validate</c> before the ledger or the learner decides anything on it (a NaN compares false).
    /// </summary>
    public static bool IsInformative(IReadOnlyList<double> groupRewards)
    {
        ArgumentNullException.ThrowIfNull(groupRewards);
        return groupRewards.Count > 1 && groupRewards.Max() > groupRewards.Min();
    }
}
