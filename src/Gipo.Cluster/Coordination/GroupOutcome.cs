using Gipo.Core.Algorithm;

namespace Gipo.Cluster.Coordination;

/// <summary>What the ledger keeps of a scored group (never the trajectories).</summary>
public readonly record struct GroupOutcome(long MinVersion, bool Informative, int Samples, double RewardMean)
{
    /// <summary>The summary of <paramref name="group"/>.</summary>
    public static GroupOutcome Of(ScoredGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var rewardMean = group.Scores.Count == 0 ? 0.0 : group.Scores.Average(s => s.Reward);
        return new GroupOutcome(group.MinVersion, group.Informative, group.Members.Count, rewardMean);
    }
}
