using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Objective;

public static partial class PolicyLoss
{
    /// <summary>
    /// The bounded behaviour importance weight w̃_t of decoupled PPO (docs/algorithm.md §A.4), detached:
    /// w = exp(ℓ^prox − ℓ^μ); truncate: min(w, C); mask: w·1[w ≤ C]. Zero where the response mask is 0.
    /// </summary>
    /// <param name="logpProx">ℓ^prox, [N, T].</param>
    /// <param name="logpBehaviour">ℓ^μ from the sampler, [N, T].</param>
    /// <param name="mode">Truncate or mask.</param>
    /// <param name="cap">C_IS ≥ 1.</param>
    /// <param name="mask">The response mask, [N, T].</param>
    public static Tensor ImportanceWeights(Tensor logpProx, Tensor logpBehaviour, ImportanceMode mode, double cap, Tensor mask)
    {
        RequireImportance(mode, cap, nameof(cap));
        using var scope = NewDisposeScope();
        var prox = TokenTensors.Matrix(logpProx, nameof(logpProx));
        var behaviour = TokenTensors.Matrix(logpBehaviour, nameof(logpBehaviour));
        TokenTensors.Like(prox, nameof(logpProx), behaviour, nameof(logpBehaviour));
        var m = TokenTensors.Mask(mask, prox, nameof(logpProx));
        TokenTensors.Finite((prox, nameof(logpProx)), (behaviour, nameof(logpBehaviour)));
        using var noGrad = no_grad();
        return BoundedWeights(RawWeights(prox, behaviour), mode, cap, m).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ℓ^prox for a mode of <c>off-policy.prox</c> (docs/algorithm.md §A.4), detached: the proximal policy only anchors the trust
    /// region and never carries gradient.
    /// </summary>
    /// <param name="mode">Where ℓ^prox comes from.</param>
    /// <param name="logpBehaviour">ℓ^μ, [N, T]; the result for <see cref="ProxMode.Behave"/>.</param>
    /// <param name="logpTheta">ℓ^θ, [N, T]; required for <see cref="ProxMode.LogLinear"/>.</param>
    /// <param name="logpRecomputed">ℓ from the no-grad forward at the start of the step; required for <see cref="ProxMode.Recompute"/>.</param>
    /// <param name="versions">Policy versions; required for <see cref="ProxMode.LogLinear"/>.</param>
    public static Tensor ProxLogProbs(
        ProxMode mode,
        Tensor logpBehaviour,
        Tensor? logpTheta = null,
        Tensor? logpRecomputed = null,
        ProxVersions? versions = null)
    {
        using var scope = NewDisposeScope();
        var behaviour = TokenTensors.Matrix(logpBehaviour, nameof(logpBehaviour));
        var prox = mode switch
        {
            ProxMode.Recompute => Recomputed(behaviour, logpRecomputed),
            ProxMode.Behave => Checked(behaviour, nameof(logpBehaviour)),
            ProxMode.LogLinear => LogLinear(behaviour, logpTheta, versions),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown prox mode"),
        };
        return prox.detach().MoveToOuterDisposeScope();
    }

    private const string BehaviourName = "logpBehaviour";

    internal static void RequireImportance(ImportanceMode mode, double cap, string capName)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown importance mode");
        // w ≈ 1 on-policy; a cap below 1 would cut or drop on-policy tokens.
        if (!double.IsFinite(cap) || cap < 1)
            throw new ArgumentOutOfRangeException(capName, cap, "the importance-weight cap C_IS must be finite and >= 1");
    }

    /// <summary>exp(clamp(ℓ^prox − ℓ^μ, −20, 20)) without gradient.</summary>
    private static Tensor RawWeights(Tensor prox, Tensor behaviour)
    {
        using var low = (-LogRatioBound).ToScalar();
        using var high = LogRatioBound.ToScalar();
        return (prox.detach() - behaviour.detach()).clamp(low, high).exp();
    }

    private static Tensor BoundedWeights(Tensor raw, ImportanceMode mode, double cap, Tensor mask)
    {
        // where(), not w·1[w ≤ C]: a product would turn an overflowed w into inf·0 = NaN.
        using var capScalar = cap.ToScalar();
        var bounded = mode == ImportanceMode.Truncate
            ? raw.clamp_max(capScalar)
            : where(raw.le(capScalar), raw, zeros_like(raw));
        return bounded * mask;
    }

    private static Tensor Checked(Tensor value, string name)
    {
        TokenTensors.Finite((value, name));
        return value;
    }

    private static Tensor Recomputed(Tensor behaviour, Tensor? logpRecomputed)
    {
        if (logpRecomputed is null)
            throw new ArgumentException("prox=recompute needs the log-probs of the no-grad learner forward", nameof(logpRecomputed));
        var recomputed = TokenTensors.Matrix(logpRecomputed, nameof(logpRecomputed));
        TokenTensors.Like(behaviour, BehaviourName, recomputed, nameof(logpRecomputed));
        return Checked(recomputed, nameof(logpRecomputed));
    }

    /// <summary>ℓ^μ + α(ℓ^θ − ℓ^μ) with α = (v^prox − v^b)/(v^θ − v^b) per sequence (AReaL <c>prox_approx</c>).</summary>
    private static Tensor LogLinear(Tensor behaviour, Tensor? logpTheta, ProxVersions? versions)
    {
        if (logpTheta is null)
            throw new ArgumentException("prox=loglinear needs the current log-probs ℓ^θ", nameof(logpTheta));
        if (versions is null)
            throw new ArgumentException("prox=loglinear needs the policy versions", nameof(versions));
        var theta = TokenTensors.Matrix(logpTheta, nameof(logpTheta));
        TokenTensors.Like(behaviour, BehaviourName, theta, nameof(logpTheta));
        TokenTensors.Finite((behaviour, BehaviourName), (theta, nameof(logpTheta)));
        var alpha = tensor(Alphas(versions, behaviour.shape[0]), [behaviour.shape[0], 1], behaviour.dtype, behaviour.device);
        return behaviour.add(alpha * (theta.detach() - behaviour), ConstantScalars.One);
    }

    private static double[] Alphas(ProxVersions versions, long rows)
    {
        ArgumentNullException.ThrowIfNull(versions.Behaviour, nameof(versions));
        if (versions.Behaviour.Count != rows)
            throw new ArgumentException($"{versions.Behaviour.Count} behaviour versions for {rows} sequences", nameof(versions));
        if (versions.Prox > versions.Theta)
            throw new ArgumentException($"prox version {versions.Prox} is newer than theta version {versions.Theta}", nameof(versions));
        return versions.Behaviour.Select(vb =>
        {
            if (vb < 0 || vb > versions.Prox)
                throw new ArgumentException($"behaviour version {vb} is outside [0, prox version {versions.Prox}]", nameof(versions));
            // v^b = v^θ forces v^prox = v^b too: all three policies coincide and ℓ^μ is already the answer.
            return vb == versions.Theta ? 0.0 : (double)(versions.Prox - vb) / (versions.Theta - vb);
        }).ToArray();
    }
}
