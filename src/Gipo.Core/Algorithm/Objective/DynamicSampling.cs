namespace Gipo.Core.Algorithm.Objective;

/// <summary>DAPO dynamic sampling (docs/algorithm.md §A.7, veRL <c>algorithm.filter_groups</c>): train only on groups whose
/// rewards differ, because a uniform group has zero advantage everywhere and contributes no gradient. <see cref="IsInformative"/>
/// is the one definition of an informative group: the ledger's filter (<c>ScoredGroup.Informative</c>, journaled in
/// <c>GroupScored</c>) and the learner's uniform-group test for IB credit (§C.7) both call it. Which groups a step takes
/// is the coordinator's rule (<c>RunLedger.NextBatch</c>), not this class's.</summary>
public static class DynamicSampling
{
    /// <summary>max_i R_i &gt; min_i R_i, compared exactly (no tolerance); for binary rewards, 0 &lt; Σ y &lt; G.</summary>
    /// <exception cref="ArgumentException">Fewer than two rewards, or a non-finite reward.</exception>
    public static bool IsInformative(IReadOnlyList<double> groupRewards)
    {
        ArgumentNullException.ThrowIfNull(groupRewards);
        if (groupRewards.Count < 2)
            throw new ArgumentException($"a group has {groupRewards.Count} reward(s); groups need G >= 2", nameof(groupRewards));
        if (groupRewards.Any(r => !double.IsFinite(r)))
            throw new ArgumentException("group rewards must be finite", nameof(groupRewards));
        return groupRewards.Max() > groupRewards.Min();
    }
}
