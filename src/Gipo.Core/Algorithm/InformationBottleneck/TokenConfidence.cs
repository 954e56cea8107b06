using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// The model's own per-token confidence on one response, each [T] float32, from the π_prox no-grad forward at
/// temperature τ (§C.2): self-certainty, the log-prob of the sampled token and the full-distribution entropy.
/// </summary>
public sealed record TokenConfidence(Tensor SelfCertainty, Tensor LogProb, Tensor Entropy) : IDisposable
{
    /// <summary>All three from the logits [T, V] that predict <paramref name="tokens"/> [T] (z_t predicts o_t).</summary>
    public static TokenConfidence FromLogits(Tensor logits, Tensor tokens, double temperature = 1.0)
    {
        if (logits.dim() != 2 || tokens.dim() != 1 || tokens.shape[0] != logits.shape[0])
            throw new ArgumentException($"expected logits [T, V] and tokens [T], got [{string.Join(", ", logits.shape)}] and " +
                                        $"[{string.Join(", ", tokens.shape)}]");
        using var scope = NewDisposeScope();
        var z = Tempered(logits, temperature);
        var logp = F.log_softmax(z, -1);
        var logProb = logp.gather(-1, tokens.to(int64).unsqueeze(-1)).squeeze(-1);
        var entropy = -(logp.exp() * logp).sum(-1);
        return new TokenConfidence(ConfidenceFeatures.SelfCertaintyOf(z), logProb, entropy).MoveToOuterScope();
    }

    internal static Tensor Tempered(Tensor logits, double temperature)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "τ must be positive");
        var z = logits.detach().to(float32);
        if (temperature == 1.0) return z;
        using var t = temperature.ToScalar();
        return z.div(t);
    }

    private TokenConfidence MoveToOuterScope()
    {
        SelfCertainty.MoveToOuterDisposeScope();
        LogProb.MoveToOuterDisposeScope();
        Entropy.MoveToOuterDisposeScope();
        return this;
    }

    public void Dispose()
    {
        SelfCertainty.Dispose();
        LogProb.Dispose();
        Entropy.Dispose();
    }
}
