using Gipo.Core.Algorithm.Entropy;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Entropy;

public sealed class GroupSequentialEntropyTests
{
    private const int T = 12;
    private const double Pad = double.NaN; // padding may hold anything; it must never reach a statistic

    // Two groups over K_B = 3 buckets (bucket 2 absent):
    //   row 0, group 7: bucket 0 ×2 (H=1), bucket 1 ×2 (H=2), answer ×1 (H=0.5)
    //   row 1, group 7: bucket 0 ×4 (H=3), answer ×2 (H=0.25)
    //   row 2, group 3: bucket 0 ×10 (H=10), answer ×2 (H=1)
    private static readonly int[] GroupIds = [7, 7, 3];

    private static readonly TokenBucketIds Buckets = new(
    [
        0, 0, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1,
        0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1,
    ], rows: 3, length: T, numBuckets: 3);

    private static readonly double[,] Entropy =
    {
        { 1, 1, 2, 2, 0.5, Pad, Pad, Pad, Pad, Pad, Pad, Pad },
        { 3, 3, 3, 3, 0.25, 0.25, Pad, Pad, Pad, Pad, Pad, Pad },
        { 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 1, 1 },
    };

    public GroupSequentialEntropyTests() => Gipo.Core.Tests.Algorithm.Torch.Init();

    private static Tensor BatchMask() => TokenGrids.Mask(T, 5, 6, 12);

    [Fact]
    public void Measure_averages_tokens_then_samples_then_groups()
    {
        var stat = GroupSequentialEntropy.Measure(TokenGrids.Float32(Entropy), BatchMask(), Buckets, GroupIds);

        // Bucket 0: group 7 = mean(1, 3) = 2, group 3 = 10 ⇒ 6, although group 3 has 10 of the 16 tokens.
        Assert.Equal(6, stat.BucketMean[0], 12);
        Assert.Equal(2, stat.BucketMean[1], 12);
        Assert.True(double.IsNaN(stat.BucketMean[2]));
        Assert.Equal([2, 1, 0], stat.BucketGroups);
        Assert.Equal([16L, 2, 0], stat.BucketTokens);
        Assert.Equal(121.0 / 23, stat.GlobalTokenMean, 12);
        Assert.Equal(3.0 / 5, stat.AnswerStepMean, 12);

        var stats = stat.ToStats(learnerStep: 4, policyVersion: 9);
        Assert.Equal((4L, 9L), (stats.LearnerStep, stats.PolicyVersion));
        Assert.Equal(stat.BucketTokens, stats.BucketTokens);
    }

    [Fact]
    public void Each_present_buckets_weights_sum_to_one()
    {
        var weights = GroupSequentialEntropy.Weights(Buckets, GroupIds);

        for (var b = 0; b < 2; b++)
        {
            var sum = 0.0;
            for (var row = 0; row < 3; row++)
            {
                for (var t = 0; t < T; t++)
                {
                    sum += Buckets[row, t] == b ? weights[row, t] : 0;
                }
            }
            Assert.Equal(1, sum, 12);
        }
        Assert.False(weights.IsPresent(2));
        Assert.Equal(0, weights[0, 4]); // answer step
        Assert.Equal(0, weights[0, 9]); // padding
        Assert.Equal(1.0 / (2 * 2 * 2), weights[0, 0]); // n = 2, |I| = 2, |G| = 2
        Assert.Equal(1.0 / (10 * 1 * 2), weights[2, 0]);
    }

    [Fact]
    public void A_ten_times_longer_single_sample_group_weighs_the_same_as_any_group()
    {
        // Groups 0 (two samples, 3 tokens each), 1 (one sample, 30 tokens), 2 (one sample, 3 tokens); K_B = 1.
        const int length = 31;
        int[] tokenCounts = [3, 3, 30, 3];
        int[] groups = [0, 0, 1, 2];
        var ids = new int[tokenCounts.Length * length];
        Array.Fill(ids, -1);
        for (var row = 0; row < tokenCounts.Length; row++)
        {
            Array.Fill(ids, 0, row * length, tokenCounts[row]);
        }
        var weights = GroupSequentialEntropy.Weights(new TokenBucketIds(ids, tokenCounts.Length, length, 1), groups);

        var perGroup = new double[3];
        for (var row = 0; row < tokenCounts.Length; row++)
        {
            for (var t = 0; t < length; t++)
            {
                perGroup[groups[row]] += weights[row, t];
            }
        }

        Assert.All(perGroup, w => Assert.Equal(1.0 / 3, w, 12));
        Assert.Equal(weights[0, 0] * 2 / 10, weights[2, 0], 12); // ten times the tokens, half the samples' split
    }

    [Fact]
    public void Bucket_entropies_are_the_weighted_sums_and_their_gradient_is_omega()
    {
        var h = TokenGrids.Grid(Entropy, ScalarType.Float64).requires_grad_();
        var weights = GroupSequentialEntropy.Weights(Buckets, GroupIds);

        var bucketEntropy = GroupSequentialEntropy.BucketEntropies(h, weights);
        bucketEntropy.sum().backward();

        Assert.Equal([6.0, 2.0, 0.0], TokenGrids.Values(bucketEntropy));
        var grad = TokenGrids.Values(h.grad!);
        for (var row = 0; row < 3; row++)
        {
            for (var t = 0; t < T; t++)
            {
                Assert.Equal(weights[row, t], grad[(row * T) + t], 15);
            }
        }
    }

    [Fact]
    public void Minibatch_weights_are_recomputed_over_its_own_groups()
    {
        var minibatch = Buckets.SelectRows([0, 1]); // group 7 alone

        var weights = GroupSequentialEntropy.Weights(minibatch, [7, 7]);

        Assert.Equal(1.0 / (2 * 2 * 1), weights[0, 0]);
        Assert.Equal(1.0 / (2 * 1 * 1), weights[0, 2]);
        Assert.Equal([1, 1, 0], weights.GroupsPerBucket);
    }

    [Fact]
    public void Bad_inputs_are_rejected_rather_than_producing_nan()
    {
        var h = TokenGrids.Float32(Entropy);
        var mask = BatchMask();

        Assert.Throws<ArgumentException>(() => GroupSequentialEntropy.Weights(Buckets, [7, 7]));
        Assert.Throws<ArgumentException>(() => GroupSequentialEntropy.Measure(h, mask, Buckets, [7, 7, 3, 3]));
        Assert.Throws<ArgumentException>(() => GroupSequentialEntropy.Measure(h[..2], mask[..2], Buckets, GroupIds));
        Assert.Throws<ArgumentException>(() => GroupSequentialEntropy.Measure(h, TokenGrids.Mask(T, 3, 6, 12), Buckets, GroupIds));
        Assert.Throws<ArgumentException>(() => GroupSequentialEntropy.Measure(h, mask * 0.5, Buckets, GroupIds));
        Assert.Throws<ArgumentException>(() =>
            GroupSequentialEntropy.Measure(h, zeros(3, T), new TokenBucketIds(new int[3 * T].Select(_ => -1).ToArray(), 3, T, 1), GroupIds));
        Assert.Throws<ArgumentException>(() => GroupSequentialEntropy.BucketEntropies(h[.., ..5], GroupSequentialEntropy.Weights(Buckets, GroupIds)));

        var nanOnValidToken = h.clone();
        nanOnValidToken[1, 2] = tensor(float.NaN);
        Assert.Throws<ArgumentException>(() => GroupSequentialEntropy.Measure(nanOnValidToken, mask, Buckets, GroupIds));
    }
}
