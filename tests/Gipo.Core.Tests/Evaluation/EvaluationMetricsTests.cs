using Gipo.Core.Evaluation;

namespace Gipo.Core.Tests.Evaluation;

public sealed class EvaluationMetricsTests
{
    [Fact]
    public void Pass_at_k_matches_the_spec_values()
    {
        Assert.Equal(0.25, EvaluationMetrics.PassAtK(16, 4, 1), 12);
        Assert.Equal(1.0, EvaluationMetrics.PassAtK(16, 4, 16), 12);
        Assert.Equal(0.0, EvaluationMetrics.PassAtK(16, 0, 8), 12);
        // 1 − C(12,2)/C(16,2) = 1 − 66/120
        Assert.Equal(1 - 66.0 / 120, EvaluationMetrics.PassAtK(16, 4, 2), 12);
    }

    [Fact]
    public void Pass_at_k_equals_the_binomial_formula_on_random_cases()
    {
        var rng = new Random(5);
        for (var trial = 0; trial < 300; trial++)
        {
            var n = rng.Next(1, 40);
            var c = rng.Next(0, n + 1);
            var k = rng.Next(1, n + 1);
            var expected = 1 - Choose(n - c, k) / Choose(n, k);
            Assert.Equal(expected, EvaluationMetrics.PassAtK(n, c, k), 9);
        }
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(4, 5, 1)]
    [InlineData(4, 1, 5)]
    public void Pass_at_k_rejects_impossible_counts(int n, int c, int k) =>
        Assert.Throws<ArgumentException>(() => EvaluationMetrics.PassAtK(n, c, k));

    [Fact]
    public void Distinct_n_pools_the_samples_of_a_prompt()
    {
        int[][] samples = [[1, 2, 3], [1, 2, 4]];
        Assert.Equal(4.0 / 6, EvaluationMetrics.DistinctN(samples, 1), 12); // {1,2,3,4} of 6 unigrams
        Assert.Equal(3.0 / 4, EvaluationMetrics.DistinctN(samples, 2), 12); // {12,23,24} of 4 bigrams
        Assert.Equal(1.0, EvaluationMetrics.DistinctN(samples, 3), 12);
        Assert.True(double.IsNaN(EvaluationMetrics.DistinctN(samples, 4)));
    }

    [Fact]
    public void Distinct_correct_counts_distinct_canonical_forms_of_correct_samples()
    {
        Assert.Equal(2, EvaluationMetrics.DistinctCorrect(["a", null, "b", "a", null]));
        Assert.Equal(0, EvaluationMetrics.DistinctCorrect([null, null]));
    }

    [Fact]
    public void Reference_length_is_the_nearest_rank_quantile()
    {
        Assert.Equal(95, EvaluationMetrics.ReferenceLength(Enumerable.Range(1, 100)));
        Assert.Equal(7, EvaluationMetrics.ReferenceLength([7]));
    }

    private static double Choose(int n, int k)
    {
        if (k > n) return 0;
        var r = 1.0;
        for (var i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return r;
    }
}
