using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// Full-distribution token entropy (§B.2) and self-certainty (§C.2) from logits, on z̃ = z/τ. Differentiable:
/// the same functions serve the no-grad π_prox forward and the with-grad minibatch forward.
/// </summary>
public static class TokenEntropy
{
    /// <summary>
    /// H = logsumexp(z̃) − Σ_v softmax(z̃)_v·z̃_v over the last dimension of <paramref name="logits"/> [..., V];
    /// returns [...]. Half-precision logits are computed in float32 (all loss math is float32); float64 stays float64.
    /// </summary>
    /// <param name="temperature">τ &gt; 0, the sampling temperature.</param>
    /// <param name="chunkRows">When &gt; 0, process this many rows (positions) at a time so that the [rows, V] softmax
    /// never exists for the whole batch at once (V ≈ 1.5e5 for LLMs); the result is the same.</param>
    public static Tensor FromLogits(Tensor logits, double temperature = 1, int chunkRows = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunkRows);
        return PerRow(logits, temperature, chunkRows, Entropy);
    }

    /// <summary>
    /// SC = logsumexp(z̃) − mean_v z̃_v − log V = KL(uniform ‖ p) over the last dimension; 0 for uniform logits,
    /// larger for more confident distributions. Returns [...].
    /// </summary>
    public static Tensor SelfCertainty(Tensor logits, double temperature = 1) =>
        PerRow(logits, temperature, chunkRows: 0, SelfCertaintyOfRows);

    private static Tensor Entropy(Tensor z) =>
        z.logsumexp(-1) - (z.softmax(-1) * z).sum(-1);

    private static Tensor SelfCertaintyOfRows(Tensor z)
    {
        using var logVocabulary = Math.Log(z.shape[^1]).ToScalar();
        return (z.logsumexp(-1) - z.mean([-1L])).sub(logVocabulary);
    }

    private static Tensor PerRow(Tensor logits, double temperature, int chunkRows, Func<Tensor, Tensor> rowFunction)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.dim() < 1 || logits.shape[^1] < 1)
        {
            throw new ArgumentException($"Logits need a non-empty last (vocabulary) dimension, got shape [{string.Join(", ", logits.shape)}].",
                                        nameof(logits));
        }
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentException($"the temperature must be finite and > 0, got {temperature}", nameof(temperature));
        }

        using var scope = NewDisposeScope();
        var z = InLossPrecision(logits);
        if (temperature != 1)
        {
            using var t = temperature.ToScalar();
            z = z.div(t);
        }
        var leading = logits.shape[..^1];
        var rows = z.reshape(-1, z.shape[^1]);
        var result = chunkRows <= 0 || rows.shape[0] <= chunkRows
            ? rowFunction(rows)
            : cat(Chunks(rows, chunkRows).Select(rowFunction).ToList(), 0);
        return result.reshape(leading).MoveToOuterDisposeScope();
    }

    private static IEnumerable<Tensor> Chunks(Tensor rows, int chunkRows)
    {
        for (long start = 0; start < rows.shape[0]; start += chunkRows)
        {
            yield return rows.narrow(0, start, Math.Min(chunkRows, rows.shape[0] - start));
        }
    }

    private static Tensor InLossPrecision(Tensor logits) =>
        logits.dtype is ScalarType.Float32 or ScalarType.Float64 ? logits : logits.to_type(ScalarType.Float32);
}
