using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Objective;

namespace Gipo.Core.Tests.Algorithm;

public class ScoredGroupTests
{
    [Fact]
    public void Informative_is_the_dynamic_sampling_rule_on_the_verifier_rewards()
    {
        foreach (var rewards in new[] { new[] { 1.0, 0, 0, 0 }, [0.0, 0], [1.0, 1, 1], [0.2, 0.3], [-0.5, -0.5], [0.1, 0.1 + 1e-12] })
            Assert.Equal(DynamicSampling.IsInformative(rewards), Group(rewards).Informative);
        // Exact comparison, no tolerance: a difference of 1e-12 is informative.
        Assert.True(Group([0.1, 0.1 + 1e-12]).Informative);
    }

    [Fact]
    public void A_one_sample_group_is_not_informative()
    {
        Assert.False(Group([1.0]).Informative);
    }

    private static ScoredGroup Group(double[] rewards)
    {
        var members = rewards.Select((_, i) => new Trajectory(i, 7, "p", i, [1], [2], [-0.5f], 0, FinishReason.Eos)).ToList();
        var scores = rewards.Select((r, i) => new OutcomeScore(i, r, r > 0, "")).ToList();
        return new ScoredGroup(7, "p", members, scores);
    }
}
