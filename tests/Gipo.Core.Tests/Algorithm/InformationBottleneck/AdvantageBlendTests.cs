using Gipo.Core.Algorithm.InformationBottleneck;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.InformationBottleneck;

public class AdvantageBlendTests
{
    public AdvantageBlendTests() => Torch.Init();

    /// <summary>A random group of G trajectories with GRPO statistics, p̂, per-token step indices and some padding.</summary>
    private sealed record Group(double[] Rewards, double Mean, double Scale, double[][] Probe, int[][] StepOfToken)
    {
        public double OutcomeAdvantage(int i) => (Rewards[i] - Mean) / Scale;
    }

    private static Group RandomGroup(Random rng, int length)
    {
        const int g = 6;
        var rewards = Enumerable.Range(0, g).Select(_ => rng.Next(2) == 0 ? rng.NextDouble() : rng.Next(2)).ToArray();
        rewards[0] = 0;
        rewards[1] = 1; // never uniform
        var mean = rewards.Average();
        var sigma = Math.Sqrt(rewards.Sum(r => (r - mean) * (r - mean)) / (g - 1));
        var probe = new double[g][];
        var steps = new int[g][];
        for (var i = 0; i < g; i++)
        {
            var k = rng.Next(1, 6);
            probe[i] = Enumerable.Range(0, k - 1).Select(_ => rng.NextDouble()).ToArray();
            // Step lengths at least 1, then padding to the grid length.
            var used = rng.Next(k, length + 1);
            steps[i] = Enumerable.Range(0, length).Select(t => t < used ? Math.Min(k - 1, t * k / used) : -1).ToArray();
        }
        return new Group(rewards, mean, sigma + 1e-6, probe, steps);
    }

    private static double[] Ib(Group group, int i, double lambda, bool flatProbe = false)
    {
        var probe = flatProbe ? group.Probe[i].Select(_ => group.Mean).ToArray() : group.Probe[i];
        return StepCredit.StepAdvantages(StepCredit.Potentials(group.Mean, probe, group.Rewards[i]), lambda);
    }

    [Fact]
    public void Zero_effective_weight_reproduces_the_outcome_advantage_exactly()
    {
        var rng = new Random(31);
        for (var c = 0; c < 200; c++)
        {
            var group = RandomGroup(rng, 12);
            // The three ways §D.3 switches IB off: w_ib = 0, ρ = 0, or a uniform group that is not blended.
            var blend = (c % 3) switch
            {
                0 => GroupBlend.For(0, 1, group.Scale, groupIsUniform: false, blendUniformGroups: false),
                1 => GroupBlend.For(0.5, 0, group.Scale, groupIsUniform: false, blendUniformGroups: false),
                _ => GroupBlend.For(0.5, 1, group.Scale, groupIsUniform: true, blendUniformGroups: false),
            };
            Assert.Equal(0, blend.Weight);
            for (var i = 0; i < group.Rewards.Length; i++)
            {
                var tokens = AdvantageBlend.TokenAdvantages(group.OutcomeAdvantage(i), Ib(group, i, 0.5), group.StepOfToken[i], blend, 1);
                for (var t = 0; t < tokens.Length; t++)
                    Assert.Equal(group.StepOfToken[i][t] < 0 ? 0 : group.OutcomeAdvantage(i), tokens[t]);
            }
        }
    }

    [Fact]
    public void Lambda_one_with_an_uninformative_probe_gives_the_outcome_advantage_for_every_weight()
    {
        var rng = new Random(32);
        for (var c = 0; c < 200; c++)
        {
            var group = RandomGroup(rng, 10);
            var w = rng.NextDouble();
            var blend = GroupBlend.For(w, rng.NextDouble(), group.Scale, false, false);
            for (var i = 0; i < group.Rewards.Length; i++)
            {
                var tokens = AdvantageBlend.TokenAdvantages(group.OutcomeAdvantage(i), Ib(group, i, 1, flatProbe: true),
                    group.StepOfToken[i], blend, 1);
                for (var t = 0; t < tokens.Length; t++)
                    Assert.Equal(group.StepOfToken[i][t] < 0 ? 0 : group.OutcomeAdvantage(i), tokens[t], 12);
            }
        }
    }

    [Fact]
    public void Blends_clipped_scaled_step_credit_by_hand()
    {
        // A_out = 0.5, s_g = 2, w_eff = 0.5·0.5 = 0.25; A^IB = [1.5, −0.2] → clipped [1, −0.2] → scaled [0.5, −0.1].
        var blend = GroupBlend.For(0.5, 0.5, 2, false, false);
        var tokens = AdvantageBlend.TokenAdvantages(0.5, [1.5, -0.2], [0, 0, 1, -1], blend, 1);

        Assert.Equal(0.75 * 0.5 + 0.25 * 0.5, tokens[0], 12);
        Assert.Equal(tokens[0], tokens[1]);
        Assert.Equal(0.75 * 0.5 + 0.25 * -0.1, tokens[2], 12);
        Assert.Equal(0, tokens[3]);
    }

    [Fact]
    public void Uniform_groups_get_no_credit_unless_enabled_and_then_scale_one()
    {
        Assert.Equal(GroupBlend.None, GroupBlend.For(0.5, 1, 1e-6, groupIsUniform: true, blendUniformGroups: false));
        Assert.Equal(new GroupBlend(0.25, 1), GroupBlend.For(0.5, 0.5, 1e-6, groupIsUniform: true, blendUniformGroups: true));
        Assert.Equal(new GroupBlend(0.25, 0.4), GroupBlend.For(0.5, 0.5, 0.4, groupIsUniform: false, blendUniformGroups: true));
    }

    [Fact]
    public void Batch_tensor_matches_the_per_trajectory_arrays()
    {
        var rng = new Random(33);
        var group = RandomGroup(rng, 9);
        var n = group.Rewards.Length;
        var ib = Enumerable.Range(0, n).Select(i => Ib(group, i, 0.5)).ToArray();
        var blends = Enumerable.Range(0, n).Select(i => GroupBlend.For(0.5, 0.8, group.Scale, false, false)).ToList();
        blends[2] = GroupBlend.None;
        var outcome = Enumerable.Range(0, n).Select(group.OutcomeAdvantage).ToArray();
        using var aOut = tensor(outcome, dtype: float32);
        using var steps = tensor(group.StepOfToken.SelectMany(s => s).Select(s => (long)s).ToArray(), [n, 9]);

        using var batch = AdvantageBlend.TokenAdvantages(aOut, steps, ib, blends, 1);

        Assert.Equal([(long)n, 9], batch.shape);
        Assert.Equal(float32, batch.dtype);
        for (var i = 0; i < n; i++)
        {
            var expected = AdvantageBlend.TokenAdvantages(outcome[i], ib[i], group.StepOfToken[i], blends[i], 1);
            var row = batch[i].data<float>().ToArray();
            for (var t = 0; t < 9; t++) Assert.Equal(expected[t], row[t], tolerance: 1e-6);
        }
        // The unblended row is A_out bit for bit on its response tokens.
        var unblended = batch[2].data<float>().ToArray();
        for (var t = 0; t < 9; t++)
            Assert.Equal(group.StepOfToken[2][t] < 0 ? 0f : aOut[2].item<float>(), unblended[t]);
    }

    [Fact]
    public void Sign_flip_fraction_counts_response_tokens_only()
    {
        using var advantages = tensor(new float[] { 1, -1, 2, 9, -0.5f, -0.5f, 0.5f, 0 }, [2, 4]);
        using var outcome = tensor(new float[] { 1, -1 });
        using var mask = tensor(new float[] { 1, 1, 1, 0, 1, 1, 1, 1 }, [2, 4]);

        // Response tokens: row 0 → +,−,+ vs + (1 flip); row 1 → −,−,+,0 vs − (2 flips). 3 of 7.
        Assert.Equal(3 / 7.0, AdvantageBlend.SignFlipFraction(advantages, outcome, mask), 12);
    }

    [Fact]
    public void Credit_by_success_averages_per_trajectory_step_means()
    {
        var split = AdvantageBlend.CreditBySuccess([[-1, 0], [0.5], [1, 1, 1, 1]], [false, true, true]);

        Assert.Equal(-0.5, split.Failing);
        Assert.Equal(0.75, split.Succeeding);
        Assert.Null(AdvantageBlend.CreditBySuccess([[1.0]], [true]).Failing);
    }
}
