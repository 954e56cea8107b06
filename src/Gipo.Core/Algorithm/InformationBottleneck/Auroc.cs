namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// Area under the ROC curve by the Mann–Whitney statistic (§C.5):
/// AUC = (Σ rank₊ − n₊(n₊+1)/2) / (n₊·n₋), with average ranks for tied scores, so a tie between a positive and
/// a negative counts one half — exactly the probability that a random positive outscores a random negative.
/// </summary>
public static class Auroc
{
    /// <summary>The AUROC of <paramref name="scores"/> against <paramref name="labels"/>, or null when one class is absent.</summary>
    public static double? Compute(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"{scores.Length} scores but {labels.Length} labels");
        long positives = 0;
        foreach (var label in labels) if (label) positives++;
        long negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0) return null;

        var ranks = AverageRanks(scores);
        double positiveRankSum = 0;
        for (var i = 0; i < ranks.Length; i++) if (labels[i]) positiveRankSum += ranks[i];
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>1-based ranks of <paramref name="scores"/> in ascending order; each run of ties shares its mean rank.</summary>
    public static double[] AverageRanks(ReadOnlySpan<double> scores)
    {
        var values = scores.ToArray();
        if (values.Any(double.IsNaN)) throw new ArgumentException("scores contain NaN", nameof(scores));
        var order = Enumerable.Range(0, values.Length).ToArray();
        Array.Sort(values.ToArray(), order);
        var ranks = new double[values.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && values[order[end]] == values[order[start]]) end++;
            // Positions start..end−1 hold one tie run; their 1-based ranks start+1..end average to (start+1+end)/2.
            var rank = (start + 1 + end) / 2.0;
            for (var j = start; j < end; j++) ranks[order[j]] = rank;
            start = end;
        }
        return ranks;
    }
}
