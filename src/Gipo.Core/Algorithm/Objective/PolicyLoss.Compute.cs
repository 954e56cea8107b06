using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Objective;

public static partial class PolicyLoss
{
    /// <summary>
    /// The base loss of docs/algorithm.md §A.9 for one minibatch: L_A = agg(w̃ ⊙ L^clip) + β_KL·agg(ℓ^KL), with w̃ from ℓ^prox and
    /// ℓ^μ (§A.4), L^clip from ℓ^θ and ℓ^prox (§A.3) and agg from <see cref="PolicyLossConfig.Aggregation"/> (§A.5).
    /// With β_KL = 0 the loss is exactly the policy-gradient term (no reference forward is needed). The metrics cost
    /// one device-to-host copy.
    /// </summary>
    public static PolicyLossResult Compute(PolicyLossInputs inputs, PolicyLossConfig config)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (config.KlBeta > 0 && inputs.LogpRef is null)
            throw new ArgumentException("kl beta > 0 needs the reference log-probs", nameof(inputs));

        using var scope = NewDisposeScope();
        var theta = TokenTensors.Matrix(inputs.LogpTheta, nameof(inputs.LogpTheta));
        var prox = TokenTensors.Matrix(inputs.LogpProx, nameof(inputs.LogpProx));
        var behaviour = TokenTensors.Matrix(inputs.LogpBehaviour, nameof(inputs.LogpBehaviour));
        var advantages = TokenTensors.Matrix(inputs.Advantages, nameof(inputs.Advantages));
        TokenTensors.Like(theta, nameof(inputs.LogpTheta), prox, nameof(inputs.LogpProx));
        TokenTensors.Like(theta, nameof(inputs.LogpTheta), behaviour, nameof(inputs.LogpBehaviour));
        TokenTensors.Like(theta, nameof(inputs.LogpTheta), advantages, nameof(inputs.Advantages));
        var mask = TokenTensors.Mask(inputs.Mask, theta, nameof(inputs.LogpTheta), nameof(inputs.Mask));
        var reference = inputs.LogpRef is null ? null : TokenTensors.Matrix(inputs.LogpRef, nameof(inputs.LogpRef));
        if (reference is not null) TokenTensors.Like(theta, nameof(inputs.LogpTheta), reference, nameof(inputs.LogpRef));
        var checkedInputs = new List<(Tensor, string)>
        {
            (theta, nameof(inputs.LogpTheta)), (prox, nameof(inputs.LogpProx)),
            (behaviour, nameof(inputs.LogpBehaviour)), (advantages, nameof(inputs.Advantages)),
        };
        if (reference is not null) checkedInputs.Add((reference, nameof(inputs.LogpRef)));
        TokenTensors.Finite([.. checkedInputs]);

        Tensor rawWeights;
        using (no_grad()) rawWeights = RawWeights(prox, behaviour);
        var weights = BoundedWeights(rawWeights, config.Importance, config.ImportanceCap, mask);
        var surrogate = SurrogateCore(theta, prox, advantages, config);
        var pg = AggregateCore(weights * surrogate.PerToken, mask, config.Aggregation, config.MaxResponseLength);
        var kl = reference is null
            ? zeros([], theta.dtype, theta.device)
            : AggregateCore(KlCore(theta, reference, config.KlEstimator), mask, config.Aggregation, config.MaxResponseLength);
        // β = 0 returns the pg term itself, so presets without KL are bit-identical to ones that never had it.
        using var beta = config.KlBeta.ToScalar();
        var loss = config.KlBeta > 0 ? pg.add(kl.mul(beta), ConstantScalars.One) : pg;

        var metrics = Metrics(pg, kl, surrogate, rawWeights, advantages, prox, theta, mask, config.ImportanceCap);
        return new PolicyLossResult(loss.MoveToOuterDisposeScope(), metrics);
    }

    private static PolicyLossMetrics Metrics(
        Tensor pg, Tensor kl, SurrogateTerms surrogate, Tensor rawWeights,
        Tensor advantages, Tensor prox, Tensor theta, Tensor mask, double cap)
    {
        using var noGrad = no_grad();
        var tokens = mask.sum().clamp_min(ConstantScalars.One);
        using var capScalar = cap.ToScalar();
        using var low = (-LogRatioBound).ToScalar();
        using var high = LogRatioBound.ToScalar();
        Tensor Mean(Tensor x) => (x.to_type(mask.dtype) * mask).sum() / tokens;
        var negative = advantages.lt(ConstantScalars.Zero);
        var positive = advantages.gt(ConstantScalars.Zero);
        var values = stack(
        [
            pg.detach(),
            kl.detach(),
            Mean(surrogate.ClippedMask.logical_and(negative)),
            Mean(surrogate.ClippedMask.logical_and(positive)),
            Mean(surrogate.DualClipMask),
            Mean(rawWeights.sub(ConstantScalars.One).abs()),
            Mean(rawWeights),
            (rawWeights * mask).max(), // w > 0, so padding (0) never wins unless there is no token
            Mean(rawWeights.gt(capScalar)),
            // veRL's ppo_kl: the log-ratio clamped to ±20 as for ρ, so one far-off token cannot swamp the mean.
            Mean(-(theta.detach() - prox).clamp(low, high)),
        ]).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        return new PolicyLossMetrics(
            PgLoss: values[0],
            KlLoss: values[1],
            ClipFractionLow: values[2],
            ClipFractionHigh: values[3],
            DualClipFraction: values[4],
            MeanAbsWeightMinusOne: values[5],
            MeanWeight: values[6],
            MaxWeight: values[7],
            CappedFraction: values[8],
            ApproxKlProxTheta: values[9]);
    }
}
