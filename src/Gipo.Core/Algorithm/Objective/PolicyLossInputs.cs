using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Objective;

/// <summary>Per-token inputs of the base loss for one minibatch; every tensor is [N, T] of one floating dtype.</summary>
/// <param name="LogpTheta">ℓ^θ from the forward pass with gradient.</param>
/// <param name="LogpProx">ℓ^prox (see <see cref="PolicyLoss.ProxLogProbs"/>); treated as constant.</param>
/// <param name="LogpBehaviour">ℓ^μ returned by the sampler.</param>
/// <param name="Advantages">A_t (A^out broadcast, or the §C.7 combination); treated as constant.</param>
/// <param name="Mask">The response mask, 1 on generated tokens including EOS, 0 on padding.</param>
/// <param name="LogpRef">ℓ^ref; required only when β_KL &gt; 0.</param>
public sealed record PolicyLossInputs(
    Tensor LogpTheta,
    Tensor LogpProx,
    Tensor LogpBehaviour,
    Tensor Advantages,
    Tensor Mask,
    Tensor? LogpRef = null);
