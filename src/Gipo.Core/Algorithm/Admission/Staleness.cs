namespace Gipo.Core.Algorithm.Admission;

/// <summary>Group staleness Δ_g of docs/algorithm.md §A.8.</summary>
public static class Staleness
{
    /// <summary>
    /// Δ_g = v^L − min v^b: how many learner steps older than the learner the oldest weights behind the group are.
    /// <paramref name="behaviourVersions"/> may hold one version per trajectory or, when weights change
    /// mid-generation, every token's version; only the minimum matters.
    /// </summary>
    /// <exception cref="ArgumentException">No versions, a negative version, or one newer than the learner.</exception>
    public static long GroupStaleness(long learnerVersion, IReadOnlyList<long> behaviourVersions)
    {
        ArgumentNullException.ThrowIfNull(behaviourVersions);
        if (learnerVersion < 0) throw new ArgumentOutOfRangeException(nameof(learnerVersion), learnerVersion, "versions start at 0");
        if (behaviourVersions.Count == 0) throw new ArgumentException("a group needs at least one behaviour version", nameof(behaviourVersions));
        var oldest = behaviourVersions.Min();
        if (oldest < 0) throw new ArgumentException($"behaviour version {oldest} is negative", nameof(behaviourVersions));
        // Samplers only ever receive weights the learner published, so a newer version is a bookkeeping bug.
        var newest = behaviourVersions.Max();
        if (newest > learnerVersion)
            throw new ArgumentException($"behaviour version {newest} is newer than the learner's {learnerVersion}", nameof(behaviourVersions));
        return learnerVersion - oldest;
    }
}
