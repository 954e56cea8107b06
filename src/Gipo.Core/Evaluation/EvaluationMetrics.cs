namespace Gipo.Core.Evaluation;

/// <summary>The evaluation metrics of docs/algorithm.md §E.3, as pure functions.</summary>
public static class EvaluationMetrics
{
    /// <summary>
    /// Unbiased pass@k of one prompt with <paramref name="correct"/> of <paramref name="samples"/> correct
    /// (Chen et al. 2021): 1 − C(n−c, k)/C(n, k), computed as a running product so it never overflows.
    /// </summary>
    public static double PassAtK(int samples, int correct, int k)
    {
        if (samples < 1 || k < 1 || k > samples)
            throw new ArgumentException($"pass@k needs 1 <= k <= n (n = {samples}, k = {k})");
        if (correct < 0 || correct > samples)
            throw new ArgumentException($"correct count {correct} is outside 0..{samples}");
        if (samples - correct < k) return 1.0;
        // C(n−c, k)/C(n, k) = Π_{i = n−c+1}^{n} (1 − k/i)
        var fail = 1.0;
        for (var i = samples - correct + 1; i <= samples; i++) fail *= 1.0 - (double)k / i;
        return 1.0 - fail;
    }

    /// <summary>pass@k averaged over prompts.</summary>
    public static double MeanPassAtK(IReadOnlyCollection<(int Samples, int Correct)> prompts, int k) =>
        prompts.Count == 0 ? throw new ArgumentException("no prompts") : prompts.Average(p => PassAtK(p.Samples, p.Correct, k));

    /// <summary>
    /// distinct-n of one prompt's samples (Li et al. 2016): unique n-grams over all n-grams, pooled across the
    /// samples; NaN when no sample is long enough to have an n-gram.
    /// </summary>
    public static double DistinctN(IEnumerable<IReadOnlyList<int>> samples, int n)
    {
        if (n < 1) throw new ArgumentException($"n must be >= 1 (got {n})");
        var unique = new HashSet<string>(StringComparer.Ordinal);
        var total = 0;
        foreach (var s in samples)
            for (var i = 0; i + n <= s.Count; i++)
            {
                total++;
                unique.Add(string.Join(',', s.Skip(i).Take(n)));
            }
        return total == 0 ? double.NaN : (double)unique.Count / total;
    }

    /// <summary>Number of distinct canonical forms among the correct samples (null = incorrect).</summary>
    public static int DistinctCorrect(IEnumerable<string?> canonicalForms) =>
        canonicalForms.Where(c => c is not null).Distinct(StringComparer.Ordinal).Count();

    /// <summary>The <paramref name="quantile"/> (nearest-rank) of reference solution lengths: L_ref of the token budgets.</summary>
    public static int ReferenceLength(IEnumerable<int> lengths, double quantile = 0.95)
    {
        var sorted = lengths.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("no reference lengths");
        if (quantile is <= 0 or > 1) throw new ArgumentException($"quantile must be in (0, 1] (got {quantile})");
        return sorted[(int)Math.Ceiling(quantile * sorted.Length) - 1];
    }
}
