using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Core.Tests.Algorithm.InformationBottleneck;

public class AurocBreakdownTests
{
    [Fact]
    public void Within_group_auroc_averages_the_groups_that_have_both_outcomes()
    {
        double[][] scores =
        [
            [0.9, 0.8], [0.7], [0.85], // group 0: successes {0.9, 0.8} beat failures {0.7, 0.85} in 3 of 4 pairs → 0.75
            [0.2], [0.2],              // group 1: a tie across classes → 0.5
            [0.1], [0.3],              // group 2: successes only → skipped
            [], [0.4],                 // group 3: the success has no intermediate state (K = 1) → skipped
        ];
        bool[] labels = [true, false, false, true, false, true, true, true, false];
        int[] groups = [0, 0, 0, 1, 1, 2, 2, 3, 3];

        var result = AurocBreakdown.WithinGroup(scores, labels, groups);

        Assert.Equal(2, result.Groups);
        Assert.Equal((0.75 + 0.5) / 2, result.Mean!.Value, 12);
    }

    [Fact]
    public void Within_group_auroc_sees_through_a_probe_that_only_knows_prompt_difficulty()
    {
        // The easy prompt's states all score high, the hard one's low, but inside each group the failure outscores the
        // successes: pooled, the batch AUROC is 9/16 (above chance), within groups it is 0.
        double[][] scores = [[0.9], [0.9], [0.9], [0.95], [0.05], [0.1], [0.1], [0.1]];
        bool[] labels = [true, true, true, false, true, false, false, false];
        int[] groups = [0, 0, 0, 0, 1, 1, 1, 1];

        Assert.Equal(9 / 16.0, Auroc.Compute(scores.SelectMany(s => s).ToArray(), labels)!.Value, 12);
        var within = AurocBreakdown.WithinGroup(scores, labels, groups);
        Assert.Equal((0.0, 2), (within.Mean!.Value, within.Groups));
    }

    [Fact]
    public void Within_group_auroc_is_null_without_a_mixed_group()
    {
        var result = AurocBreakdown.WithinGroup([[0.2], [0.9]], [true, false], [0, 1]);
        Assert.Equal((null, 0), (result.Mean, result.Groups));
    }

    [Fact]
    public void Auroc_by_step_position_pools_the_steps_from_k_b_on()
    {
        double[][] scores = [[0.6, 0.9, 0.7], [0.4, 0.95], [], [0.3]];
        bool[] labels = [true, false, false, true];

        // K_B = 2. k = 1: successes {0.6, 0.3} against the failure {0.4} → ½; k ≥ 2: {0.9, 0.7} against {0.95} → 0.
        Assert.Equal([0.5, 0.0], AurocBreakdown.ByStepPosition(scores, labels, 2));
        // K_B = 4: k = 2 alone is 0; k = 3 has a success only and k = 4 no state at all: undefined.
        var four = AurocBreakdown.ByStepPosition(scores, labels, 4);
        Assert.Equal([0.5, 0.0], four[..2]);
        Assert.True(double.IsNaN(four[2]) && double.IsNaN(four[3]));
    }

    [Fact]
    public void Misaligned_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => AurocBreakdown.WithinGroup([[0.1]], [true, false], [0, 0]));
        Assert.Throws<ArgumentException>(() => AurocBreakdown.WithinGroup([[0.1], [0.2]], [true, false], [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => AurocBreakdown.ByStepPosition([[0.1]], [true], 0));
    }
}
