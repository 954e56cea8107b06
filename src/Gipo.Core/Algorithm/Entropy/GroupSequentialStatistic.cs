namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// The batch entropy statistics of §B.4, from the no-grad π_prox forward over the full batch.
/// </summary>
/// <param name="BucketMean">H̄_b, the hierarchical mean; NaN where bucket b has no token.</param>
/// <param name="BucketGroups">|G_b|.</param>
/// <param name="BucketTokens">Tokens in bucket b.</param>
/// <param name="GlobalTokenMean">Plain token mean of H over every response token (for dashboards).</param>
/// <param name="AnswerStepMean">Token mean of H over answer-step tokens; NaN when there is none (segmentation always
/// makes the last step an answer step, so only hand-made buckets produce it).</param>
public sealed record GroupSequentialStatistic(
    double[] BucketMean, int[] BucketGroups, long[] BucketTokens, double GlobalTokenMean, double AnswerStepMean)
{
    /// <summary>The learner → scheduler message of learner step <paramref name="learnerStep"/>.</summary>
    public EntropyStats ToStats(long learnerStep, long policyVersion) =>
        new(learnerStep, policyVersion, [.. BucketMean], [.. BucketGroups], [.. BucketTokens], GlobalTokenMean, AnswerStepMean);
}
