namespace Gipo.Core.Algorithm.Entropy;

/// <summary>Maps reasoning steps to position buckets (§B.3); answer steps are in no bucket.</summary>
public static class StepBuckets
{
    /// <summary>The bucket of step <paramref name="step"/> (1-based k) of a response with <paramref name="numSteps"/> steps.</summary>
    public static int BucketOf(int step, int numSteps, int numBuckets, BucketPosition position)
    {
        RequireBuckets(numBuckets);
        if (numSteps < 1 || step < 1 || step > numSteps)
        {
            throw new ArgumentException($"step {step} of {numSteps}: steps are 1-based and a response has at least one");
        }
        return position switch
        {
            BucketPosition.Absolute => Math.Min(step - 1, numBuckets - 1),
            BucketPosition.Relative => (int)((long)numBuckets * (step - 1) / numSteps),
            _ => throw new ArgumentException($"unknown bucket position {position}", nameof(position)),
        };
    }

    /// <summary>
    /// Per-token bucket ids [N, T] of a batch: row n follows <paramref name="segmentations"/>[n]; answer-step tokens and
    /// the padding after the response are −1.
    /// </summary>
    /// <param name="paddedLength">T, at least the longest response.</param>
    public static TokenBucketIds Assign(IReadOnlyList<StepSegmentation> segmentations, int paddedLength, int numBuckets, BucketPosition position)
    {
        ArgumentNullException.ThrowIfNull(segmentations);
        RequireBuckets(numBuckets);
        var ids = new int[segmentations.Count * paddedLength];
        Array.Fill(ids, TokenBucketIds.None);
        for (var n = 0; n < segmentations.Count; n++)
        {
            var segmentation = segmentations[n];
            if (segmentation.Length > paddedLength)
            {
                throw new ArgumentException($"response {n} has {segmentation.Length} tokens, more than the padded length {paddedLength}",
                                            nameof(segmentations));
            }
            AssignRow(segmentation, ids.AsSpan(n * paddedLength, paddedLength), numBuckets, position);
        }
        return new TokenBucketIds(ids, segmentations.Count, paddedLength, numBuckets);
    }

    private static void AssignRow(StepSegmentation segmentation, Span<int> row, int numBuckets, BucketPosition position)
    {
        if (segmentation.K < 1 || segmentation.Steps.Count != segmentation.K || segmentation.IsAnswer.Length != segmentation.K)
        {
            throw new ArgumentException($"A segmentation with K = {segmentation.K} has {segmentation.Steps.Count} steps and " +
                                        $"{segmentation.IsAnswer.Length} answer flags", nameof(segmentation));
        }
        for (var k = 0; k < segmentation.K; k++)
        {
            if (segmentation.IsAnswer[k])
            {
                continue;
            }
            var bucket = BucketOf(k + 1, segmentation.K, numBuckets, position);
            foreach (var t in segmentation.Steps[k])
            {
                row[t] = bucket;
            }
        }
    }

    private static void RequireBuckets(int numBuckets)
    {
        if (numBuckets < 1)
        {
            throw new ArgumentException($"the number of buckets K_B must be at least 1, got {numBuckets}", nameof(numBuckets));
        }
    }
}
