using Gipo.Core.Algorithm.Objective;
using TorchSharp;

namespace Gipo.Core.Tests.Algorithm.Objective;

public class OutcomeAdvantagesTests
{
    // §T1: R = [1,0,0,0,1,0,0,0], one group of G = 8.
    // mean 0.25; deviations 0.75 (×2) and −0.25 (×6); Σd² = 2·0.5625 + 6·0.0625 = 1.5; σ = √(1.5/7) = 0.462910.
    private static readonly double[] T1Rewards = [1, 0, 0, 0, 1, 0, 0, 0];
    private static readonly int[] OneGroup = [0, 0, 0, 0, 0, 0, 0, 0];
    private const double T1Sigma = 0.46291004988627577; // √(3/14)

    [Fact]
    public void Grpo_matches_T1()
    {
        var (adv, scale) = OutcomeAdvantages.Compute(T1Rewards, OneGroup, AdvantageNorm.Grpo);

        Assert.Equal(1.6202, adv[0], 4);
        Assert.Equal(0.75 / (T1Sigma + 1e-6), adv[0], 12);
        Assert.Equal(-0.25 / (T1Sigma + 1e-6), adv[1], 12);
        Assert.Equal(-0.5401, adv[1], 4);
        Assert.All(scale, s => Assert.Equal(T1Sigma + 1e-6, s, 12));
        Assert.Equal(0.4629, scale[0], 4);
    }

    [Fact]
    public void DrGrpo_matches_T1()
    {
        var (adv, scale) = OutcomeAdvantages.Compute(T1Rewards, OneGroup, AdvantageNorm.DrGrpo);

        Assert.Equal(0.75, adv[0], 12);
        Assert.Equal(-0.25, adv[1], 12);
        Assert.All(scale, s => Assert.Equal(1.0, s));
    }

    [Fact]
    public void Rloo_is_the_reward_minus_the_mean_of_the_others()
    {
        // G/(G−1)·(R − R̄) = 8/7·0.75 = 6/7 = 1 − 1/7 (the other seven hold one success);
        // for a zero: 8/7·(−0.25) = −2/7 = 0 − 2/7. Scale (G−1)/G = 7/8.
        var (adv, scale) = OutcomeAdvantages.Compute(T1Rewards, OneGroup, AdvantageNorm.Rloo);

        Assert.Equal(6.0 / 7, adv[0], 12);
        Assert.Equal(-2.0 / 7, adv[1], 12);
        Assert.All(scale, s => Assert.Equal(7.0 / 8, s, 12));
    }

    [Fact]
    public void BatchStd_divides_by_one_std_over_the_batch()
    {
        // Group A = [1, 0]: mean 0.5, centred [0.5, −0.5]. Group B = [1, 1, 1, 0]: mean 0.75, centred
        // [0.25, 0.25, 0.25, −0.75]. All centred values have mean 0 and Σc² = 0.5 + 0.1875 + 0.5625 = 1.25;
        // unbiased std = √(1.25/5) = 0.5, so A = c / 0.500001 (group A alone would have σ = 0.7071).
        double[] rewards = [1, 0, 1, 1, 1, 0];
        int[] groups = [7, 7, 3, 3, 3, 3];

        var (adv, scale) = OutcomeAdvantages.Compute(rewards, groups, AdvantageNorm.BatchStd);

        double[] centred = [0.5, -0.5, 0.25, 0.25, 0.25, -0.75];
        for (var i = 0; i < rewards.Length; i++) Assert.Equal(centred[i] / 0.500001, adv[i], 12);
        Assert.All(scale, s => Assert.Equal(0.500001, s, 12));
    }

    [Fact]
    public void Groups_need_not_be_contiguous()
    {
        double[] rewards = [1, 5, 0, 5, 1, 6];
        int[] groups = [0, 1, 0, 1, 0, 1];

        var (adv, _) = OutcomeAdvantages.Compute(rewards, groups, AdvantageNorm.DrGrpo);

        // group 0 = [1, 0, 1], mean 2/3; group 1 = [5, 5, 6], mean 16/3
        Assert.Equal(1 - 2.0 / 3, adv[0], 12);
        Assert.Equal(5 - 16.0 / 3, adv[1], 12);
        Assert.Equal(-2.0 / 3, adv[2], 12);
        Assert.Equal(6 - 16.0 / 3, adv[5], 12);
    }

    [Fact]
    public void A_uniform_group_has_zero_advantage_not_nan()
    {
        var (adv, scale) = OutcomeAdvantages.Compute([1, 1, 1, 1], [0, 0, 0, 0], AdvantageNorm.Grpo);

        Assert.All(adv, a => Assert.Equal(0.0, a));
        Assert.All(scale, s => Assert.Equal(1e-6, s));
    }

    [Fact]
    public void Contiguous_group_ids_are_runs_of_G()
    {
        Assert.Equal([0, 0, 0, 1, 1, 1], OutcomeAdvantages.ContiguousGroupIds(6, 3));
        Assert.Throws<ArgumentException>(() => OutcomeAdvantages.ContiguousGroupIds(7, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => OutcomeAdvantages.ContiguousGroupIds(6, 1));
    }

    [Fact]
    public void Empty_input_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => OutcomeAdvantages.Compute([], [], AdvantageNorm.Grpo));
        Assert.Contains("no rewards", e.Message);
    }

    [Fact]
    public void A_group_of_one_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => OutcomeAdvantages.Compute([1, 0, 1], [0, 0, 1], AdvantageNorm.Grpo));
        Assert.Contains("group 1", e.Message);
        Assert.Contains("G >= 2", e.Message);
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => OutcomeAdvantages.Compute([1, 0, 1], [0, 0], AdvantageNorm.DrGrpo));
        Assert.Contains("lengths must match", e.Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_rewards_are_rejected(double bad)
    {
        var e = Assert.Throws<ArgumentException>(() => OutcomeAdvantages.Compute([1, bad], [0, 0], AdvantageNorm.Grpo));
        Assert.Contains("reward 1", e.Message);
        Assert.Contains("finite", e.Message);
    }

    [Fact]
    public void A_non_positive_epsilon_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OutcomeAdvantages.Compute([1, 0], [0, 0], AdvantageNorm.Grpo, eps: 0));
    }

    [Fact]
    public void ToTokens_broadcasts_over_the_response_mask()
    {
        Torch.Init();
        using var mask = Tokens.Of(new double[,] { { 1, 1, 0 }, { 1, 0, 0 } });

        using var tokens = OutcomeAdvantages.ToTokens([1.5, -0.5], mask);

        Assert.Equal(torch.ScalarType.Float32, tokens.dtype);
        Assert.Equal([2L, 3L], tokens.shape);
        Assert.Equal([1.5, 1.5, 0, -0.5, 0, 0], Tokens.Values(tokens));
    }

    [Fact]
    public void ToTokens_rejects_a_mask_with_the_wrong_row_count()
    {
        Torch.Init();
        using var mask = Tokens.Of(new double[,] { { 1, 1, 0 } });

        var e = Assert.Throws<ArgumentException>(() => OutcomeAdvantages.ToTokens([1, 2], mask));
        Assert.Contains("expected [2, T]", e.Message);
    }
}
