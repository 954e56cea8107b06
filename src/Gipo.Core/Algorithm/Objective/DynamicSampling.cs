namespace Gipo.Core.Algorithm.Objective;

/// <summary>DAPO dynamic sampling (docs/algorithm.md §A.7, veRL <c>algorithm.filter_groups</c>): train only on groups whose
/// rewards differ, because a uniform group has zero advantage everywhere and contributes no gradient. <see cref="IsInformative"/>
/// is the one definition of an informative group: the ledger's filter (<c>ScoredGroup.Informative</c>, journaled in
/// <c>GroupScored</c>) and the learner's uniform-group test for IB credit (§C.7) both call it.</summary>
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

    /// <summary>
    /// The batch assembler's pull: takes completed groups from <paramref name="fifo"/> in order, discards the
    /// non-informative ones and stops at <paramref name="batchGroups"/> accepted, or after
    /// <paramref name="maxExamined"/> (= max_gen_rounds·B) examined, or when the queue ends. It never pulls a group
    /// it does not examine, so a draining enumerator loses nothing. veRL raises at the cap; we proceed, because a
    /// run that stops on a hard prompt batch loses every step before it (docs/algorithm.md §A.7).
    /// </summary>
    /// <param name="fifo">Completed groups, oldest first.</param>
    /// <param name="rewardsOf">The outcome rewards of a group.</param>
    /// <param name="batchGroups">B, the groups per learner step.</param>
    /// <param name="maxExamined">The examination cap, at least B.</param>
    public static GroupSelection<TGroup> Select<TGroup>(
        IEnumerable<TGroup> fifo, Func<TGroup, IReadOnlyList<double>> rewardsOf, int batchGroups, int maxExamined)
    {
        ArgumentNullException.ThrowIfNull(fifo);
        ArgumentNullException.ThrowIfNull(rewardsOf);
        if (batchGroups < 1) throw new ArgumentOutOfRangeException(nameof(batchGroups), batchGroups, "B must be >= 1");
        if (maxExamined < batchGroups)
            throw new ArgumentOutOfRangeException(nameof(maxExamined), maxExamined, $"the examination cap must be >= B = {batchGroups}");

        var accepted = new List<TGroup>(batchGroups);
        var rejected = new List<TGroup>();
        using var groups = fifo.GetEnumerator();
        while (accepted.Count < batchGroups && accepted.Count + rejected.Count < maxExamined && groups.MoveNext())
            (IsInformative(rewardsOf(groups.Current)) ? accepted : rejected).Add(groups.Current);

        var examined = accepted.Count + rejected.Count;
        return new GroupSelection<TGroup>(accepted, rejected, examined, accepted.Count < batchGroups && examined == maxExamined);
    }

    /// <summary><see cref="Select{TGroup}"/> over groups given as their reward arrays.</summary>
    public static GroupSelection<double[]> Select(IEnumerable<double[]> fifo, int batchGroups, int maxExamined) =>
        Select(fifo, group => group, batchGroups, maxExamined);
}
