using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Objective;

/// <summary>
/// The token-level base objective of docs/algorithm.md §A.3–A.6 and A.9: ratio, clipped surrogate with clip-higher and dual clip,
/// decoupled-PPO importance weights, loss aggregation and the KL penalty. Pure functions over [N, T] tensors
/// (N sequences, T padded response length) of one floating dtype; half precision is widened to float32, float64 is
/// kept. Every per-token input must be finite everywhere, padding included, or an <see cref="ArgumentException"/>
/// names it. Numerics follow veRL's <c>core_algos.py</c> except where docs/algorithm.md ("Deviations from the references and why") says otherwise.
/// </summary>
public static partial class PolicyLoss
{
    /// <summary>Log-ratios are clamped to ±20 before exp (veRL): e^20 ≈ 4.9e8 stays finite in float32.</summary>
    private const double LogRatioBound = 20.0;

    /// <summary>ρ_t = exp(clamp(ℓ^θ − ℓ^prox, −20, 20)), differentiable in ℓ^θ; ℓ^prox is a constant.</summary>
    public static Tensor Ratio(Tensor logpTheta, Tensor logpProx)
    {
        using var scope = NewDisposeScope();
        var theta = TokenTensors.Matrix(logpTheta, nameof(logpTheta));
        var prox = TokenTensors.Matrix(logpProx, nameof(logpProx));
        TokenTensors.Like(theta, nameof(logpTheta), prox, nameof(logpProx));
        TokenTensors.Finite((theta, nameof(logpTheta)), (prox, nameof(logpProx)));
        return RatioCore(theta, prox).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The PPO clipped surrogate with DAPO clip-higher and dual clip (docs/algorithm.md §A.3, veRL
    /// <c>compute_policy_loss_vanilla</c>): L = max(−A·ρ, −A·clip(ρ, 1 − ε_low, 1 + ε_high)), then for A &lt; 0 only,
    /// L ← min(L, −c·A). Advantages are constants. Not yet weighted by w̃ nor aggregated.
    /// </summary>
    public static SurrogateTerms ClippedSurrogate(Tensor logpTheta, Tensor logpProx, Tensor advantages, PolicyLossConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        using var scope = NewDisposeScope();
        var theta = TokenTensors.Matrix(logpTheta, nameof(logpTheta));
        var prox = TokenTensors.Matrix(logpProx, nameof(logpProx));
        var adv = TokenTensors.Matrix(advantages, nameof(advantages));
        TokenTensors.Like(theta, nameof(logpTheta), prox, nameof(logpProx));
        TokenTensors.Like(theta, nameof(logpTheta), adv, nameof(advantages));
        TokenTensors.Finite((theta, nameof(logpTheta)), (prox, nameof(logpProx)), (adv, nameof(advantages)));
        var terms = SurrogateCore(theta, prox, adv, config);
        return new SurrogateTerms(
            terms.PerToken.MoveToOuterDisposeScope(),
            terms.ClippedMask.MoveToOuterDisposeScope(),
            terms.DualClipMask.MoveToOuterDisposeScope(),
            terms.Ratio.MoveToOuterDisposeScope());
    }

    private static Tensor RatioCore(Tensor theta, Tensor prox)
    {
        using var low = (-LogRatioBound).ToScalar();
        using var high = LogRatioBound.ToScalar();
        return (theta - prox.detach()).clamp(low, high).exp();
    }

    private static SurrogateTerms SurrogateCore(Tensor theta, Tensor prox, Tensor advantages, PolicyLossConfig config)
    {
        var ratio = RatioCore(theta, prox);
        var a = advantages.detach();
        var unclipped = -a * ratio;
        using var ratioLow = (1 - config.EpsLow).ToScalar();
        using var ratioHigh = (1 + config.EpsHigh).ToScalar();
        using var dualClip = (-config.DualClipC).ToScalar();
        var clipped = -a * ratio.clamp(ratioLow, ratioHigh);
        var pessimistic = maximum(unclipped, clipped);
        // Dual clip (arXiv 1912.09729): with A < 0 a huge ratio would make the loss unbounded, so cap it at −c·A.
        // For A ≥ 0 the bound −c·A ≤ 0 would wrongly cut the loss, hence the where().
        var dualBound = a.mul(dualClip);
        var negative = a.lt(ConstantScalars.Zero);
        var perToken = where(negative, minimum(pessimistic, dualBound), pessimistic);
        return new SurrogateTerms(
            perToken,
            clipped.gt(unclipped),
            negative.logical_and(pessimistic.gt(dualBound)),
            ratio);
    }
}
