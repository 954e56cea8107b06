using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// The group-sequential entropy statistic (§B.4): average token entropy within a sample's bucket, then over the
/// samples of a group, then over groups. <see cref="Measure"/> gives the scheduler's no-grad batch statistic;
/// <see cref="Weights"/> and <see cref="BucketEntropies"/> give the differentiable Ĥ_b(θ) = Σ_t ω_t H_t(θ).
/// </summary>
public static class GroupSequentialEntropy
{
    /// <summary>
    /// ω_t for a batch or a minibatch made of whole groups (the weights of a minibatch are recomputed over its own rows).
    /// </summary>
    /// <param name="groupIds">The prompt group of each row (any ints; equal ids = same group).</param>
    public static BucketWeights Weights(TokenBucketIds buckets, IReadOnlyList<int> groupIds)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentNullException.ThrowIfNull(groupIds);
        if (groupIds.Count != buckets.Rows)
        {
            throw new ArgumentException($"{groupIds.Count} group ids for {buckets.Rows} sequences", nameof(groupIds));
        }

        var tokensInRow = CountTokensPerRowAndBucket(buckets);
        var samplesInGroup = CountSamplesPerGroupAndBucket(tokensInRow, groupIds, buckets.NumBuckets);
        var groups = CountGroupsPerBucket(samplesInGroup, buckets.NumBuckets);

        var omega = new double[buckets.Rows * buckets.Length];
        var tokens = new long[buckets.NumBuckets];
        for (var row = 0; row < buckets.Rows; row++)
        {
            var ids = buckets.Row(row);
            for (var t = 0; t < ids.Length; t++)
            {
                var b = ids[t];
                if (b == TokenBucketIds.None)
                {
                    continue;
                }
                tokens[b]++;
                omega[(row * buckets.Length) + t] =
                    1.0 / ((double)tokensInRow[row, b] * samplesInGroup[groupIds[row]][b] * groups[b]);
            }
        }
        return new BucketWeights(buckets, omega, groups, tokens);
    }

    /// <summary>
    /// The scheduler statistic over the full batch (no grad): H̄_b per bucket (NaN if absent), |G_b|, token counts,
    /// and the global and answer-step token means.
    /// </summary>
    /// <param name="tokenEntropy">H_t [N, T] (any float type; read detached).</param>
    /// <param name="mask">Response mask [N, T], 1 on response tokens and 0 on padding.</param>
    public static GroupSequentialStatistic Measure(Tensor tokenEntropy, Tensor mask, TokenBucketIds buckets, IReadOnlyList<int> groupIds)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var entropy = TokenGrid.Read(tokenEntropy, buckets.Rows, buckets.Length, nameof(tokenEntropy));
        var valid = TokenGrid.ReadMask(mask, buckets.Rows, buckets.Length, nameof(mask));
        var weights = Weights(buckets, groupIds);

        var bucketSum = new double[buckets.NumBuckets];
        double globalSum = 0, answerSum = 0;
        long globalCount = 0, answerCount = 0;
        for (var row = 0; row < buckets.Rows; row++)
        {
            for (var t = 0; t < buckets.Length; t++)
            {
                var b = buckets[row, t];
                var i = (row * buckets.Length) + t;
                if (!valid[i])
                {
                    if (b != TokenBucketIds.None)
                    {
                        throw new ArgumentException($"token {t} of sequence {row} is padding (mask 0) but has bucket {b}", nameof(mask));
                    }
                    continue;
                }
                var h = entropy[i];
                if (!double.IsFinite(h))
                {
                    throw new ArgumentException($"token {t} of sequence {row} has entropy {h}", nameof(tokenEntropy));
                }
                globalSum += h;
                globalCount++;
                if (b == TokenBucketIds.None)
                {
                    answerSum += h;
                    answerCount++;
                }
                else
                {
                    bucketSum[b] += weights[row, t] * h;
                }
            }
        }
        if (globalCount == 0)
        {
            throw new ArgumentException("the batch has no response token (the mask is all 0)", nameof(mask));
        }

        var bucketMean = Enumerable.Range(0, buckets.NumBuckets)
            .Select(b => weights.IsPresent(b) ? bucketSum[b] : double.NaN)
            .ToArray();
        return new GroupSequentialStatistic(
            bucketMean,
            [.. weights.GroupsPerBucket],
            [.. weights.TokensPerBucket],
            globalSum / globalCount,
            answerCount == 0 ? double.NaN : answerSum / answerCount);
    }

    /// <summary>
    /// Ĥ_b(θ) = Σ_t ω_t H_t(θ) for every bucket, [K_B], differentiable in <paramref name="tokenEntropy"/>; 0 for a bucket
    /// absent from these rows. Tokens outside the constraint contribute neither value nor gradient.
    /// </summary>
    /// <param name="tokenEntropy">H_t(θ) [N, T], with grad.</param>
    public static Tensor BucketEntropies(Tensor tokenEntropy, BucketWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        TokenGrid.RequireShape(tokenEntropy, weights.Buckets.Rows, weights.Buckets.Length, nameof(tokenEntropy));

        using var scope = NewDisposeScope();
        var ids = weights.Buckets.ToTensor(tokenEntropy.device);
        var inConstraint = ids.ge(ConstantScalars.Zero);
        // where() rather than ω·H alone: padding positions may hold any value, and 0·NaN would poison the sum.
        var weighted = where(inConstraint, tokenEntropy * weights.ToTensor(tokenEntropy.dtype, tokenEntropy.device), zeros_like(tokenEntropy));
        var result = zeros(weights.NumBuckets, dtype: tokenEntropy.dtype, device: tokenEntropy.device)
            .scatter_add(0, ids.clamp_min(ConstantScalars.Zero).flatten(), weighted.flatten());
        return result.MoveToOuterDisposeScope();
    }

    private static int[,] CountTokensPerRowAndBucket(TokenBucketIds buckets)
    {
        var counts = new int[buckets.Rows, buckets.NumBuckets];
        for (var row = 0; row < buckets.Rows; row++)
        {
            foreach (var b in buckets.Row(row))
            {
                if (b != TokenBucketIds.None)
                {
                    counts[row, b]++;
                }
            }
        }
        return counts;
    }

    // |I_{g,b}|: samples of group g with at least one token in bucket b.
    private static Dictionary<int, int[]> CountSamplesPerGroupAndBucket(int[,] tokensInRow, IReadOnlyList<int> groupIds, int numBuckets)
    {
        var samples = new Dictionary<int, int[]>();
        for (var row = 0; row < groupIds.Count; row++)
        {
            if (!samples.TryGetValue(groupIds[row], out var perBucket))
            {
                samples[groupIds[row]] = perBucket = new int[numBuckets];
            }
            for (var b = 0; b < numBuckets; b++)
            {
                if (tokensInRow[row, b] > 0)
                {
                    perBucket[b]++;
                }
            }
        }
        return samples;
    }

    // |G_b|: groups with at least one sample in bucket b.
    private static int[] CountGroupsPerBucket(Dictionary<int, int[]> samplesInGroup, int numBuckets) =>
        Enumerable.Range(0, numBuckets).Select(b => samplesInGroup.Values.Count(perBucket => perBucket[b] > 0)).ToArray();
}
