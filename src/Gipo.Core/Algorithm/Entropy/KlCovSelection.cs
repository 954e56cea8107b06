using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>KL-Cov's chosen tokens and its per-token loss (§B.7).</summary>
/// <param name="Selected">Bool [N, T]: the top tokens by covariance.</param>
/// <param name="Loss">[N, T]: −A_t·ρ_t on every token plus k·|ℓ^θ_t − ℓ^prox_t| on the selected ones, with no clipping
/// anywhere (KL-Cov replaces PPO's clip); differentiable in ℓ^θ.</param>
/// <param name="Count">Number of selected tokens.</param>
public sealed record KlCovSelection(Tensor Selected, Tensor Loss, int Count);
