using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Objective;

public static partial class PolicyLoss
{
    /// <summary>
    /// Reduces a per-token matrix to a scalar over the minibatch (docs/algorithm.md §A.5, veRL <c>agg_loss</c>). |M| is the number of
    /// rows N; a row with no response token contributes 0 (it cannot occur in practice: EOS is always masked in),
    /// and with no token at all the result is 0 rather than 0/0.
    /// </summary>
    /// <param name="perToken">L_t, [N, T].</param>
    /// <param name="mask">The response mask, [N, T].</param>
    /// <param name="aggregation">The <c>loss.aggregation</c> mode.</param>
    /// <param name="maxResponseLength">L_max ≥ T for <see cref="LossAggregation.SeqMeanTokenSumNorm"/>; ignored otherwise.</param>
    public static Tensor Aggregate(Tensor perToken, Tensor mask, LossAggregation aggregation, int maxResponseLength = 0)
    {
        RequireAggregation(aggregation, maxResponseLength, nameof(maxResponseLength));
        using var scope = NewDisposeScope();
        var values = TokenTensors.Matrix(perToken, nameof(perToken));
        var m = TokenTensors.Mask(mask, values, nameof(perToken));
        TokenTensors.Finite((values, nameof(perToken)));
        return AggregateCore(values, m, aggregation, maxResponseLength).MoveToOuterDisposeScope();
    }

    internal static void RequireAggregation(LossAggregation aggregation, int maxResponseLength, string lengthName)
    {
        if (!Enum.IsDefined(aggregation))
            throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "unknown loss aggregation");
        if (aggregation == LossAggregation.SeqMeanTokenSumNorm && maxResponseLength < 1)
            throw new ArgumentOutOfRangeException(lengthName, maxResponseLength,
                "seq-mean-token-sum-norm needs the constant normaliser L_max (max response length) >= 1");
    }

    private static Tensor AggregateCore(Tensor values, Tensor mask, LossAggregation aggregation, int maxResponseLength)
    {
        var masked = values * mask;
        switch (aggregation)
        {
            case LossAggregation.TokenMean:
                // veRL divides by Σm + 1e-8; for Σm ≥ 1 that is the same float, and max(Σm, 1) keeps Σm = 0 at 0.
                return masked.sum() / mask.sum().clamp_min(ConstantScalars.One);
            case LossAggregation.SeqMeanTokenMean:
                return (masked.sum(1) / mask.sum(1).clamp_min(ConstantScalars.One)).mean();
            case LossAggregation.SeqMeanTokenSum:
                return masked.sum(1).mean();
            case LossAggregation.SeqMeanTokenSumNorm:
                // A normaliser below the padded width means the wrong L_max was passed: some row could exceed it.
                if (maxResponseLength < values.shape[1])
                    throw new ArgumentException(
                        $"L_max = {maxResponseLength} is shorter than the padded response length {values.shape[1]}", nameof(maxResponseLength));
                // docs/algorithm.md §A.5: (1/|M|)·Σ (1/L_max)·Σ_t m·L (Dr. GRPO). Some veRL versions skip the 1/|M|; keeping it makes
                // the loss scale independent of the minibatch size.
                using (var length = maxResponseLength.ToScalar())
                    return masked.sum(1).mean().div(length);
            default:
                throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "unknown loss aggregation");
        }
    }
}
