namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// Views of the probe's out-of-sample ranking (§C.5, §C.8) finer than the batch AUROC. Inputs are per trajectory: its
/// intermediate scores p̂_1..p̂_{K−1} (element k−1 for state k; empty when K = 1), its outcome label and its group.
/// Every state is labelled with its trajectory's outcome, as in the batch AUROC, and every AUROC is Mann–Whitney with
/// tied scores counting one half (<see cref="Auroc.Compute"/>).
/// </summary>
public static class AurocBreakdown
{
    /// <summary>
    /// The AUROC of the intermediate states within each group, averaged over the groups that have intermediate states
    /// of both a success and a failure (each such group weighs the same). This is the ranking the blend uses: Φ_0 = R̄_g
    /// anchors every member of a group at the same value, so only how the probe orders members of one prompt moves
    /// credit between them. The batch AUROC also rewards telling easy prompts from hard ones, which a probe can do
    /// from the prompt alone; a high batch AUROC with a within-group AUROC near 0.5 means the probe knows the prompt's
    /// difficulty and nothing about the trajectory.
    /// </summary>
    public static WithinGroupAuroc WithinGroup(IReadOnlyList<double[]> intermediateScores, IReadOnlyList<bool> labels, IReadOnlyList<int> groupIds)
    {
        RequireAligned(intermediateScores, labels);
        if (groupIds.Count != labels.Count) throw new ArgumentException($"{labels.Count} labels but {groupIds.Count} group ids", nameof(groupIds));
        var aurocs = Enumerable.Range(0, labels.Count).GroupBy(n => groupIds[n])
            .Select(g => States(intermediateScores, labels, g, _ => true))
            .Select(s => Auroc.Compute(s.Scores, s.Labels))
            .OfType<double>().ToArray();
        return new WithinGroupAuroc(aurocs.Length == 0 ? null : aurocs.Average(), aurocs.Length);
    }

    /// <summary>
    /// The batch AUROC of the states at each step position k = 1..<paramref name="positions"/> (element k−1), the last
    /// pooling every k ≥ K_B as the feature pos_k = min(k, K_B)/K_B does (§C.2); NaN where a position lacks one class.
    /// Shows where along the reasoning the probe's signal appears: early steps usually rank near chance.
    /// </summary>
    /// <param name="positions">K_B ≥ 1.</param>
    public static double[] ByStepPosition(IReadOnlyList<double[]> intermediateScores, IReadOnlyList<bool> labels, int positions)
    {
        RequireAligned(intermediateScores, labels);
        if (positions < 1) throw new ArgumentOutOfRangeException(nameof(positions), positions, "K_B must be ≥ 1");
        var all = Enumerable.Range(0, labels.Count).ToArray();
        return Enumerable.Range(1, positions)
            .Select(p => States(intermediateScores, labels, all, k => Math.Min(k, positions) == p))
            .Select(s => Auroc.Compute(s.Scores, s.Labels) ?? double.NaN)
            .ToArray();
    }

    /// <summary>The scores and labels of the states k (1-based) of <paramref name="trajectories"/> that <paramref name="keep"/> accepts.</summary>
    private static (double[] Scores, bool[] Labels) States(IReadOnlyList<double[]> scores, IReadOnlyList<bool> labels,
        IEnumerable<int> trajectories, Func<int, bool> keep)
    {
        var p = new List<double>();
        var y = new List<bool>();
        foreach (var n in trajectories)
            for (var k = 1; k <= scores[n].Length; k++)
                if (keep(k)) { p.Add(scores[n][k - 1]); y.Add(labels[n]); }
        return ([.. p], [.. y]);
    }

    private static void RequireAligned(IReadOnlyList<double[]> scores, IReadOnlyList<bool> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count) throw new ArgumentException($"{scores.Count} trajectories but {labels.Count} labels", nameof(labels));
    }
}
