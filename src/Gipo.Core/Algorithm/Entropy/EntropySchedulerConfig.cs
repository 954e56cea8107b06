using System.Text.Json.Serialization;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// Hyper-parameters of the entropy scheduler (§B.5, §B.6); their values come from <c>gipo.algorithm.gsec</c> in
/// <c>hocon/gipo.conf</c>, with no second copy here. Persisted inside
/// <see cref="EntropySchedulerState"/>; <see cref="EntropySchedulerJson.ConfigHash(EntropySchedulerConfig)"/> fingerprints it.
/// </summary>
/// <param name="Kappa0">κ₀: target scale at the end of calibration (&lt; 1, so every constraint starts slack).</param>
/// <param name="Kappa1">κ₁: target scale after annealing.</param>
/// <param name="TAnneal">Learner steps over which κ goes linearly from κ₀ to κ₁ (<c>auto</c>: total − N_cal); ≥ 1.</param>
/// <param name="DMin">d_min: step-profile value of the last bucket (the first is 1).</param>
/// <param name="HFloor">H_floor: the target never goes below this (nats).</param>
/// <param name="UpperMult">u: upper bound H^max_b = u·H^ref_b (anti-explosion); 0 = off.</param>
/// <param name="EtaLambda">η_λ: dual step size.</param>
/// <param name="LambdaMax">λ_max: multipliers are clipped to [0, λ_max]; 0 turns the entropy term off.</param>
/// <param name="EmaAlpha">α_ema: weight of the old value in the EMA of H̄_b, in [0, 1).</param>
/// <param name="NCal">N_cal: calibration steps (λ ≡ 0) that set H^ref; ≥ 1.</param>
/// <param name="Mode"><c>lagrangian</c> (α_b = λ_b, default) or <c>gated</c> (α_b = λ_b·1[H̃_b &lt; H*_b]).</param>
/// <param name="Position"><c>absolute</c> or <c>relative</c> step buckets (§B.3); the learner's bucketing must agree.</param>
/// <param name="Pid">Replace the dual step on λ by a PID multiplier λ_b = [K_P·e + K_I·Σe + K_D·Δe] clipped to
/// [0, λ_max], e = H*_b − H̃_b (Stooke et al. 2020), for when the plain Lagrangian oscillates.</param>
/// <param name="Kp">K_P.</param>
/// <param name="Ki">K_I. The integral is kept in [0, λ_max/K_I] (anti-windup), so K_P = K_D = 0, K_I = η_λ is exactly
/// the projected dual ascent.</param>
/// <param name="Kd">K_D; Δe is 0 on a bucket's first controlled step.</param>
public sealed record EntropySchedulerConfig(
    double Kappa0, double Kappa1, long TAnneal, double DMin, double HFloor, double UpperMult,
    double EtaLambda, double LambdaMax, double EmaAlpha, int NCal, string Mode, string Position,
    bool Pid, double Kp, double Ki, double Kd)
{
    public const string Lagrangian = "lagrangian";
    public const string Gated = "gated";
    public const string Absolute = "absolute";
    public const string Relative = "relative";

    /// <summary>Whether α is gated by H̃_b &lt; H*_b.</summary>
    [JsonIgnore]
    public bool IsGated => Mode == Gated;

    /// <summary>Whether the upper bound ν is enforced.</summary>
    [JsonIgnore]
    public bool HasUpperBound => UpperMult > 0;

    /// <summary><see cref="Position"/> as the bucketing enum.</summary>
    [JsonIgnore]
    public BucketPosition BucketPosition => Position == Relative ? BucketPosition.Relative : BucketPosition.Absolute;

    /// <summary>
    /// Whether <paramref name="other"/> differs from this config at most in the fields a running run may change
    /// (κ₀, κ₁, T_anneal, d_min, H_floor, u, η_λ, λ_max): those only scale targets, bounds and step sizes, while
    /// N_cal, the mode, the bucket positions and the PID layout decide what the state means.
    /// </summary>
    public bool SameStructure(EntropySchedulerConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with
        {
            Kappa0 = other.Kappa0, Kappa1 = other.Kappa1, TAnneal = other.TAnneal, DMin = other.DMin, HFloor = other.HFloor,
            UpperMult = other.UpperMult, EtaLambda = other.EtaLambda, LambdaMax = other.LambdaMax,
        } == other;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        RequireFinite((Kappa0, nameof(Kappa0)), (Kappa1, nameof(Kappa1)), (DMin, nameof(DMin)), (HFloor, nameof(HFloor)),
            (UpperMult, nameof(UpperMult)), (EtaLambda, nameof(EtaLambda)), (LambdaMax, nameof(LambdaMax)),
            (EmaAlpha, nameof(EmaAlpha)), (Kp, nameof(Kp)), (Ki, nameof(Ki)), (Kd, nameof(Kd)));
        Require(Kappa0 >= 0 && Kappa1 >= 0, "κ₀ and κ₁ must be ≥ 0");
        Require(TAnneal >= 1, $"TAnneal must be ≥ 1, got {TAnneal}");
        Require(DMin is >= 0 and <= 1, $"DMin must be in [0, 1], got {DMin}");
        Require(HFloor >= 0, $"HFloor must be ≥ 0, got {HFloor}");
        Require(UpperMult >= 0, $"UpperMult must be ≥ 0 (0 = off), got {UpperMult}");
        Require(EtaLambda >= 0 && LambdaMax >= 0, "EtaLambda and LambdaMax must be ≥ 0");
        Require(EmaAlpha is >= 0 and < 1, $"EmaAlpha must be in [0, 1), got {EmaAlpha}");
        Require(NCal >= 1, $"NCal must be ≥ 1 (calibration sets H_ref), got {NCal}");
        Require(Mode is Lagrangian or Gated, $"Mode must be '{Lagrangian}' or '{Gated}', got '{Mode}'");
        Require(Position is Absolute or Relative, $"Position must be '{Absolute}' or '{Relative}', got '{Position}'");
        Require(Kp >= 0 && Ki >= 0 && Kd >= 0, "PID gains must be ≥ 0");
    }

    private static void RequireFinite(params (double Value, string Name)[] values)
    {
        foreach (var (value, name) in values)
        {
            Require(double.IsFinite(value), $"{name} must be finite, got {value}");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"invalid entropy-scheduler config: {message}");
        }
    }
}
