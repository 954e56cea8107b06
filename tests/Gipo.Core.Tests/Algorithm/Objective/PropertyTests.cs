using Gipo.Core.Algorithm.Objective;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Objective;

/// <summary>Seeded random properties over many generated cases.</summary>
public class PropertyTests
{
    private const int Cases = 200;

    public PropertyTests() => Torch.Init();

    [Fact]
    public void Token_mean_of_a_constant_is_the_constant()
    {
        var random = new Random(20240611);
        for (var k = 0; k < Cases; k++)
        {
            var n = random.Next(1, 9);
            var t = random.Next(1, 17);
            var c = (random.NextDouble() - 0.5) * 20;
            var mask = new double[n * t];
            for (var i = 0; i < mask.Length; i++) mask[i] = random.NextDouble() < 0.6 ? 1 : 0;
            mask[random.Next(mask.Length)] = 1; // at least one response token
            using var m = tensor(mask, [n, t], ScalarType.Float32);
            using var values = full([n, t], c, ScalarType.Float32);

            using var mean = PolicyLoss.Aggregate(values, m, LossAggregation.TokenMean);

            Assert.Equal(c, Tokens.Scalar(mean), Math.Abs(c) * 1e-5 + 1e-6);
        }
    }

    [Theory]
    [InlineData(AdvantageNorm.Grpo)]
    [InlineData(AdvantageNorm.DrGrpo)]
    [InlineData(AdvantageNorm.Rloo)]
    [InlineData(AdvantageNorm.BatchStd)]
    public void Advantages_sum_to_zero_within_each_group(AdvantageNorm norm)
    {
        var random = new Random(7 + (int)norm);
        for (var k = 0; k < Cases; k++)
        {
            var groups = random.Next(1, 6);
            var ids = new List<int>();
            var rewards = new List<double>();
            var binary = random.NextDouble() < 0.5;
            for (var g = 0; g < groups; g++)
            {
                var size = random.Next(2, 11);
                for (var i = 0; i < size; i++)
                {
                    ids.Add(g * 31); // arbitrary labels
                    rewards.Add(binary ? random.Next(2) : (random.NextDouble() - 0.3) * 3);
                }
            }

            // Shuffle so that groups interleave.
            var order = Enumerable.Range(0, ids.Count).OrderBy(_ => random.Next()).ToArray();
            var r = order.Select(i => rewards[i]).ToArray();
            var id = order.Select(i => ids[i]).ToArray();

            var (adv, scale) = OutcomeAdvantages.Compute(r, id, norm);

            Assert.All(adv, a => Assert.True(double.IsFinite(a)));
            Assert.All(scale, s => Assert.True(s > 0));
            foreach (var group in id.Distinct())
            {
                var sum = Enumerable.Range(0, id.Length).Where(i => id[i] == group).Sum(i => adv[i]);
                Assert.True(Math.Abs(sum) < 1e-6, $"case {k}: group {group} advantages sum to {sum}");
            }
        }
    }

    [Fact]
    public void At_ratio_one_and_unit_weights_the_loss_is_minus_the_aggregated_advantage()
    {
        var random = new Random(99);
        for (var k = 0; k < Cases; k++)
        {
            var n = random.Next(1, 6);
            var t = random.Next(1, 9);
            var logp = Enumerable.Range(0, n * t).Select(_ => -5 * random.NextDouble()).ToArray();
            var adv = Enumerable.Range(0, n * t).Select(_ => (random.NextDouble() - 0.5) * 4).ToArray();
            var mask = Enumerable.Range(0, n * t).Select(_ => random.NextDouble() < 0.7 ? 1.0 : 0.0).ToArray();
            var aggregation = (LossAggregation)random.Next(4);
            using var l = tensor(logp, [n, t], ScalarType.Float64);
            using var a = tensor(adv, [n, t], ScalarType.Float64);
            using var m = tensor(mask, [n, t], ScalarType.Float64);

            var result =
                PolicyLoss.Compute(new PolicyLossInputs(l, l, l, a, m), TestConfigs.Loss with { Aggregation = aggregation, MaxResponseLength = t });
            using var expected = PolicyLoss.Aggregate(-a, m, aggregation, t);

            Assert.Equal(Tokens.Scalar(expected), Tokens.Scalar(result.Loss), 12);
            Assert.Equal(0.0, result.Metrics.ClipFractionHigh + result.Metrics.ClipFractionLow + result.Metrics.DualClipFraction);
            result.Loss.Dispose();
        }
    }
}
