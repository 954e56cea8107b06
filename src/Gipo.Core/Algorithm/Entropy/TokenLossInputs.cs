using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// The per-token tensors [N, T] of one optimizer minibatch that the token-loss shaping modes read.
/// </summary>
/// <param name="Advantages">A_t.</param>
/// <param name="LogpTheta">ℓ^θ_t, with grad (KL-Cov's replacement loss is differentiable in it).</param>
/// <param name="LogpProx">ℓ^prox_t.</param>
/// <param name="Clipped">Where the PPO clip is already active (nonzero = clipped); Clip-Cov leaves those tokens alone.</param>
/// <param name="Mask">Response mask, 1/0.</param>
/// <param name="TokenEntropy">H_t (read detached); needed by <see cref="EntropyMode.Forking"/> only.</param>
/// <param name="LearnerStep">Seeds Clip-Cov's random pick together with <paramref name="Minibatch"/>, so that a resumed
/// run picks the same tokens.</param>
/// <param name="Minibatch">Index of the minibatch within the learner step.</param>
public sealed record TokenLossInputs(
    Tensor Advantages, Tensor LogpTheta, Tensor LogpProx, Tensor Clipped, Tensor Mask,
    Tensor? TokenEntropy = null, long LearnerStep = 0, int Minibatch = 0);
