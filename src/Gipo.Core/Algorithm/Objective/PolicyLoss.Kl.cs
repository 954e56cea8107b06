using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Objective;

public static partial class PolicyLoss
{
    /// <summary>k3 values are clamped to [−10, 10] (veRL) so one far-off token cannot dominate the penalty.</summary>
    private const double K3Bound = 10.0;

    /// <summary>
    /// Per-token KL(π_θ ‖ π_ref) estimate from the sampled tokens' log-probs (docs/algorithm.md §A.6, veRL <c>kl_penalty</c>):
    /// k1 = ℓ^θ − ℓ^ref; k2 = ½(ℓ^θ − ℓ^ref)²; k3 = clamp(e^d − d − 1, −10, 10) with d = clamp(ℓ^ref − ℓ^θ, −20, 20).
    /// Differentiable in ℓ^θ; ℓ^ref is a constant.
    /// </summary>
    public static Tensor Kl(Tensor logpTheta, Tensor logpRef, KlEstimator estimator)
    {
        if (!Enum.IsDefined(estimator)) throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "unknown KL estimator");
        using var scope = NewDisposeScope();
        var theta = TokenTensors.Matrix(logpTheta, nameof(logpTheta));
        var reference = TokenTensors.Matrix(logpRef, nameof(logpRef));
        TokenTensors.Like(theta, nameof(logpTheta), reference, nameof(logpRef));
        TokenTensors.Finite((theta, nameof(logpTheta)), (reference, nameof(logpRef)));
        return KlCore(theta, reference, estimator).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// β_KL·agg(ℓ^KL) (docs/algorithm.md §A.6, §A.9) of one minibatch, differentiable in ℓ^θ: the term <see cref="Compute"/> adds to
    /// the policy-gradient loss, for callers that build the policy-gradient part themselves (the token-shaping entropy
    /// modes of §B.7). Null when β_KL = 0, which needs no reference log-probs.
    /// </summary>
    public static Tensor? KlPenalty(PolicyLossInputs inputs, PolicyLossConfig config)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (config.KlBeta == 0) return null;
        if (inputs.LogpRef is null) throw new ArgumentException("kl beta > 0 needs the reference log-probs", nameof(inputs));
        using var scope = NewDisposeScope();
        using var kl = Kl(inputs.LogpTheta, inputs.LogpRef, config.KlEstimator);
        using var beta = config.KlBeta.ToScalar();
        return Aggregate(kl, inputs.Mask, config.Aggregation, config.MaxResponseLength).mul(beta).MoveToOuterDisposeScope();
    }

    private static Tensor KlCore(Tensor theta, Tensor reference, KlEstimator estimator)
    {
        var r = reference.detach();
        switch (estimator)
        {
            case KlEstimator.K1:
                return theta - r;
            case KlEstimator.K2:
                var diff = theta - r;
                return (diff * diff).mul(ConstantScalars.Half);
            case KlEstimator.K3:
                using (var low = (-LogRatioBound).ToScalar())
                using (var high = LogRatioBound.ToScalar())
                using (var k3Low = (-K3Bound).ToScalar())
                using (var k3High = K3Bound.ToScalar())
                {
                    var d = (r - theta).clamp(low, high);
                    return (d.exp() - d).sub(ConstantScalars.One).clamp(k3Low, k3High);
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "unknown KL estimator");
        }
    }
}
