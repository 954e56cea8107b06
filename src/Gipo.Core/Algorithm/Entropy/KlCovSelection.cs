using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>KL-Cov's chosen tokens and their replacement loss (§B.7).</summary>
/// <param name="Selected">Bool [N, T]: the top tokens by covariance.</param>
/// <param name="Loss">[N, T]: −A_t·ρ_t + k·|ℓ^θ_t − ℓ^prox_t|, unclipped, differentiable in ℓ^θ.</param>
/// <param name="Count">Number of selected tokens.</param>
public sealed record KlCovSelection(Tensor Selected, Tensor Loss, int Count)
{
    /// <summary>The clipped per-token loss with the selected tokens' loss replaced.</summary>
    public Tensor Apply(Tensor clipLoss) => where(Selected, Loss, clipLoss);
}
