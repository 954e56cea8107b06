using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Objective;

/// <summary>The clipped surrogate of docs/algorithm.md §A.3 and where each clip binds. Masks are not multiplied by the response mask.</summary>
/// <param name="PerToken">L^clip_t, [N, T], differentiable in ℓ^θ.</param>
/// <param name="ClippedMask">Bool [N, T]: the clip(ρ) branch binds (its gradient in ℓ^θ is zero): ρ &gt; 1 + ε_high with
/// A &gt; 0, or ρ &lt; 1 − ε_low with A &lt; 0. veRL's <c>pg_clipfrac</c> and the token set clip_cov leaves alone.</param>
/// <param name="DualClipMask">Bool [N, T]: A &lt; 0 and the dual clip −c·A binds (veRL <c>pg_clipfrac_lower</c>).</param>
/// <param name="Ratio">ρ_t, [N, T], differentiable in ℓ^θ.</param>
public sealed record SurrogateTerms(Tensor PerToken, Tensor ClippedMask, Tensor DualClipMask, Tensor Ratio) : IDisposable
{
    /// <summary>Deconstructs into the loss and the clip mask, the two parts most callers need.</summary>
    public void Deconstruct(out Tensor perToken, out Tensor clippedMask)
    {
        perToken = PerToken;
        clippedMask = ClippedMask;
    }

    /// <summary>Disposes the four tensors.</summary>
    public void Dispose()
    {
        PerToken.Dispose();
        ClippedMask.Dispose();
        DualClipMask.Dispose();
        Ratio.Dispose();
    }
}
