namespace Gipo.Core.Algorithm.Objective;

/// <summary>How a per-token loss matrix becomes a scalar over a minibatch (key <c>gipo.algorithm.loss.aggregation</c>, docs/algorithm.md
/// §A.5).</summary>
/// <remarks>Names follow veRL's <c>agg_loss</c>. |M| is the number of rows (sequences) of the minibatch.</remarks>
public enum LossAggregation
{
    /// <summary><c>token-mean</c>: Σ m·L / Σ m. DAPO and the GIPO default.</summary>
    TokenMean,

    /// <summary><c>seq-mean-token-mean</c>: the mean over sequences of each sequence's token mean. GRPO as published.</summary>
    SeqMeanTokenMean,

    /// <summary><c>seq-mean-token-sum</c>: the mean over sequences of each sequence's token sum.</summary>
    SeqMeanTokenSum,

    /// <summary><c>seq-mean-token-sum-norm</c>: the mean over sequences of token sum / L_max, a constant normaliser (Dr. GRPO).</summary>
    SeqMeanTokenSumNorm,
}
