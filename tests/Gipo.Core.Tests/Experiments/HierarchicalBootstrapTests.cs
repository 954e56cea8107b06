using Gipo.Core.Experiments;

namespace Gipo.Core.Tests.Experiments;

public sealed class HierarchicalBootstrapTests
{
    // Two seeds × two prompts: seed A = [0, 1], seed B = [1, 1]. A resample draws 2 seeds, then 2 prompts inside each
    // drawn seed: 4 × 4 × 4 = 64 equally likely outcomes. With a = number of times A is drawn (1/4, 1/2, 1/4 for
    // a = 0, 1, 2), the statistic is (4 − zeros)/4 with zeros ~ Binomial(2a, 1/2), so
    //   P(1.00) = 1/4 + 1/2·1/4 + 1/4·1/16 = 25/64     P(0.75) = 1/2·1/2 + 1/4·4/16 = 20/64
    //   P(0.50) = 1/2·1/4 + 1/4·6/16       = 14/64     P(0.25) = 1/4·4/16 = 4/64      P(0.00) = 1/4·1/16 = 1/64
    // CDF: 1/64 = 0.016 below 0.025 < 5/64 = 0.078, so the exact 2.5% point is 0.25; 0.975 > 39/64, so the 97.5% point is 1.
    private static readonly double[][] TwoByTwo = [[0, 1], [1, 1]];
    private static readonly BootstrapSettings Many = new(20_000, Seed: 7);

    [Fact]
    public void The_resample_distribution_matches_the_exact_enumeration_of_the_two_by_two_case()
    {
        var exact = EnumerateTwoByTwo(TwoByTwo);
        Assert.Equal(64, exact.Count);
        var exactProbabilities = exact.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count() / 64.0);
        Assert.Equal(new Dictionary<double, double> { [1.0] = 25 / 64.0, [0.75] = 20 / 64.0, [0.5] = 14 / 64.0, [0.25] = 4 / 64.0, [0.0] = 1 / 64.0 },
            exactProbabilities);

        var draws = HierarchicalBootstrap.Distribution(TwoByTwo, Many);
        Assert.Equal(Many.Resamples, draws.Length);
        foreach (var (value, p) in exactProbabilities)
            Assert.InRange(draws.Count(d => d == value) / (double)draws.Length, p - 0.015, p + 0.015);
        Assert.Equal(exact.Average(), draws.Average(), 2); // both 0.75
    }

    [Fact]
    public void The_interval_is_the_exact_percentile_interval_and_the_estimate_the_observed_mean()
    {
        var ci = HierarchicalBootstrap.Mean(TwoByTwo, Many);
        Assert.Equal(0.75, ci.Estimate, 12);
        Assert.Equal(0.25, ci.Lower, 12);
        Assert.Equal(1.0, ci.Upper, 12);
    }

    [Fact]
    public void Equal_values_give_a_zero_width_interval()
    {
        var ci = HierarchicalBootstrap.Mean([[0.4, 0.4, 0.4], [0.4, 0.4, 0.4]], new BootstrapSettings(500, 1));
        Assert.Equal(0.4, ci.Estimate, 12);
        Assert.Equal(0.4, ci.Lower, 12);
        Assert.Equal(0.4, ci.Upper, 12);
    }

    [Fact]
    public void The_same_seed_gives_the_same_draws_and_another_seed_other_draws()
    {
        double[][] values = [[0.1, 0.5, 0.9], [0.3, 0.2], [0.8]];
        Assert.Equal(HierarchicalBootstrap.Distribution(values, new BootstrapSettings(200, 3)),
            HierarchicalBootstrap.Distribution(values, new BootstrapSettings(200, 3)));
        Assert.NotEqual(HierarchicalBootstrap.Distribution(values, new BootstrapSettings(200, 3)),
            HierarchicalBootstrap.Distribution(values, new BootstrapSettings(200, 4)));
    }

    [Fact]
    public void Seeds_with_different_prompt_counts_are_pooled_per_value()
    {
        // A single seed is always the one drawn; the estimate is the pooled mean of [0, 0, 3] = 1.
        Assert.Equal(1.0, HierarchicalBootstrap.Mean([[0, 0, 3]], new BootstrapSettings(100, 0)).Estimate, 12);
        // Ragged seeds pool per value: [0, 3] and [1] give (0 + 3 + 1)/3, not the mean of seed means (1.5 + 1)/2.
        Assert.Equal(4.0 / 3, HierarchicalBootstrap.Mean([[0, 3], [1]], new BootstrapSettings(10, 0)).Estimate, 12);
    }

    [Fact]
    public void Method_equal_to_baseline_plus_a_constant_gives_that_constant_with_zero_width()
    {
        double[][] baseline = [[0.1, 0.7, 0.3], [0.5, 0.2, 0.9]];
        var method = baseline.Select(s => s.Select(v => v + 0.1).ToArray()).ToArray();
        var paired = HierarchicalBootstrap.Paired(method, baseline, new BootstrapSettings(1000, 2));
        Assert.Equal(0.1, paired.Delta.Estimate, 12);
        Assert.Equal(0.1, paired.Delta.Lower, 12);
        Assert.Equal(0.1, paired.Delta.Upper, 12);
        Assert.Equal(0.0, paired.FractionAtOrBelowZero);
    }

    [Fact]
    public void Paired_differences_follow_the_exact_enumeration_of_the_two_by_two_case()
    {
        // Differences: seed A = [1−1, 1−0] = [0, 1], seed B = [1−1, 0−0] = [0, 0]. The statistic is ones/4 with
        // ones ~ Binomial(2a, 1/2): the mirror image of the case above, so P(Δ = 0) = 25/64, P(0.75) = 4/64, P(1) = 1/64.
        double[][] method = [[1, 1], [1, 0]];
        double[][] baseline = [[1, 0], [1, 0]];
        var paired = HierarchicalBootstrap.Paired(method, baseline, Many);
        Assert.Equal(0.25, paired.Delta.Estimate, 12);
        Assert.Equal(0.0, paired.Delta.Lower, 12);   // CDF(0) = 25/64 > 0.025
        Assert.Equal(0.75, paired.Delta.Upper, 12);  // CDF(0.5) = 59/64 < 0.975 < CDF(0.75) = 63/64
        Assert.InRange(paired.FractionAtOrBelowZero, 25 / 64.0 - 0.015, 25 / 64.0 + 0.015);
    }

    [Fact]
    public void Pairing_cancels_shared_prompt_difficulty()
    {
        // Prompts range from 0.1 to 0.9 in difficulty; the method is 0.05 better on every prompt up to a small wobble.
        var rng = new Random(11);
        var baseline = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 40).Select(p => 0.1 + 0.02 * p).ToArray()).ToArray();
        var method = baseline.Select(s => s.Select(v => v + 0.05 + 0.01 * (rng.NextDouble() - 0.5)).ToArray()).ToArray();
        var settings = new BootstrapSettings(2000, 5);
        var paired = HierarchicalBootstrap.Paired(method, baseline, settings);
        var alone = HierarchicalBootstrap.Mean(method, settings);
        Assert.True(paired.Delta.Upper - paired.Delta.Lower < (alone.Upper - alone.Lower) / 10);
        Assert.InRange(paired.Delta.Estimate, 0.045, 0.055);
        Assert.Equal(0.0, paired.FractionAtOrBelowZero);
    }

    [Fact]
    public void Mismatched_pairs_are_rejected_with_the_seed_named()
    {
        var e = Assert.Throws<ArgumentException>(() => HierarchicalBootstrap.Paired([[1, 2], [3]], [[1, 2], [3, 4]], new BootstrapSettings(10, 0)));
        Assert.Contains("seed 1", e.Message);
        Assert.Throws<ArgumentException>(() => HierarchicalBootstrap.Paired([[1]], [[1], [2]], new BootstrapSettings(10, 0)));
        Assert.Throws<ArgumentException>(() => HierarchicalBootstrap.Mean([], new BootstrapSettings(10, 0)));
        Assert.Throws<ArgumentException>(() => HierarchicalBootstrap.Mean([[1], []], new BootstrapSettings(10, 0)));
        Assert.Throws<ArgumentException>(() => HierarchicalBootstrap.Mean([[1]], new BootstrapSettings(0, 0)));
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.25, 1.75)]
    [InlineData(0.5, 2.5)]
    [InlineData(1.0, 4.0)]
    public void Percentile_interpolates_between_order_statistics(double q, double expected) =>
        Assert.Equal(expected, HierarchicalBootstrap.Percentile([1, 2, 3, 4], q), 12);

    [Fact]
    public void Seed_summary_is_mean_and_sample_std_of_the_seed_means()
    {
        var summary = SeedSummary.Of(TwoByTwo); // seed means 0.5 and 1
        Assert.Equal(0.75, summary.Mean, 12);
        Assert.Equal(Math.Sqrt((0.25 * 0.25 * 2) / 1), summary.Std, 12);
        Assert.Equal(2, summary.Seeds);
        Assert.True(double.IsNaN(SeedSummary.Of([[0.3, 0.5]]).Std));
    }

    /// <summary>Every (seed draw, prompt draws) outcome of a 2-seed × 2-prompt resample, each with probability 1/64.</summary>
    private static List<double> EnumerateTwoByTwo(double[][] seeds)
    {
        var outcomes = new List<double>();
        foreach (var s1 in new[] { 0, 1 })
        foreach (var s2 in new[] { 0, 1 })
        foreach (var (p1, p2) in Pairs())
        foreach (var (q1, q2) in Pairs())
            outcomes.Add((seeds[s1][p1] + seeds[s1][p2] + seeds[s2][q1] + seeds[s2][q2]) / 4);
        return outcomes;

        static IEnumerable<(int, int)> Pairs() => [(0, 0), (0, 1), (1, 0), (1, 1)];
    }
}
