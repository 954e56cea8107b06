namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// Learner → scheduler, once per learner step, from the π_prox forward over the full batch before any update (§B.8).
/// Build it with <see cref="GroupSequentialStatistic.ToStats"/>.
/// </summary>
/// <param name="BucketMean">H̄_b; NaN where bucket b is absent (<paramref name="BucketGroups"/>[b] = 0).</param>
/// <param name="BucketGroups">|G_b|; 0 = bucket absent from the batch (no update for it).</param>
/// <param name="BucketTokens">Tokens in bucket b.</param>
/// <param name="GlobalTokenMean">Token mean of H over all response tokens.</param>
/// <param name="AnswerStepMean">Token mean of H over answer-step tokens (NaN = none).</param>
public sealed record EntropyStats(long LearnerStep, long PolicyVersion,
    double[] BucketMean, int[] BucketGroups, long[] BucketTokens,
    double GlobalTokenMean, double AnswerStepMean);
