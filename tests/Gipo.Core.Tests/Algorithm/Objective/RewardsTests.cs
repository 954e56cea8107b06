using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Objective;

namespace Gipo.Core.Tests.Algorithm.Objective;

public class RewardsTests
{
    [Theory]
    // L_max = 20, L_buf = 4, p = 1: free up to 16 tokens, then −(T − 16)/4.
    [InlineData(10, 0.0)]
    [InlineData(16, 0.0)]
    [InlineData(17, -0.25)]
    [InlineData(18, -0.5)]
    [InlineData(20, -1.0)]
    public void Overlong_penalty_ramps_linearly_over_the_buffer(int length, double expected)
    {
        Assert.Equal(expected, Rewards.OverlongPenalty(length, maxLength: 20, buffer: 4, penalty: 1.0), 12);
    }

    [Fact]
    public void Overlong_penalty_scales_with_p()
    {
        Assert.Equal(-0.25, Rewards.OverlongPenalty(18, 20, 4, 0.5), 12);
    }

    [Theory]
    [InlineData(21, 20, 4, 1.0)]
    [InlineData(-1, 20, 4, 1.0)]
    [InlineData(10, 20, 0, 1.0)]
    [InlineData(10, 20, 21, 1.0)]
    [InlineData(10, 20, 4, -1.0)]
    [InlineData(10, 20, 4, double.NaN)]
    public void Overlong_penalty_rejects_bad_settings(int length, int maxLength, int buffer, double penalty)
    {
        Assert.ThrowsAny<ArgumentException>(() => Rewards.OverlongPenalty(length, maxLength, buffer, penalty));
    }

    [Fact]
    public void Without_shaping_a_truncated_response_scores_zero()
    {
        Assert.Equal(0.0, Rewards.Outcome(1.0, FinishReason.Length, 20));
        Assert.Equal(1.0, Rewards.Outcome(1.0, FinishReason.Eos, 12));
        Assert.Equal(0.0, Rewards.Outcome(0.0, FinishReason.Eos, 12));
    }

    [Fact]
    public void With_shaping_the_penalty_is_added_to_the_verifier_reward()
    {
        var shaping = new OverlongShaping(MaxLength: 20, Buffer: 4, Penalty: 1.0);

        Assert.Equal(-1.0, Rewards.Outcome(0.0, FinishReason.Length, 20, shaping), 12);
        Assert.Equal(0.5, Rewards.Outcome(1.0, FinishReason.Eos, 18, shaping), 12);
        Assert.Equal(1.0, Rewards.Outcome(1.0, FinishReason.Eos, 10, shaping), 12);
    }

    [Fact]
    public void A_non_finite_verifier_reward_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Rewards.Outcome(double.NaN, FinishReason.Eos, 3));
    }
}
