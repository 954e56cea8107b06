using System.Text.Json.Serialization;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// Scheduler → learner reply for learner step <paramref name="LearnerStep"/> (§B.8); the PPO minibatches of that step use
/// it in L_B = −Σ_b α_b Ĥ_b + Σ_b ν_b Ĥ_b.
/// </summary>
/// <param name="Alpha">α_b: λ_b after gating.</param>
/// <param name="Nu">ν_b; 0 when the upper bound is off.</param>
/// <param name="Target">H*_b(t); 0 until calibration has set H^ref.</param>
/// <param name="Upper">H^max_b; 0 when the upper bound is off or H^ref is not yet set.</param>
/// <param name="Calibrating">This was a calibration step (α ≡ ν ≡ 0).</param>
public sealed record EntropyCoefficients(long LearnerStep,
    double[] Alpha, double[] Nu, double[] Target, double[] Upper, bool Calibrating)
{
    /// <summary>All-zero coefficients (no entropy term), e.g. for a run without a scheduler.</summary>
    public static EntropyCoefficients Zero(long learnerStep, int numBuckets) =>
        new(learnerStep, new double[numBuckets], new double[numBuckets], new double[numBuckets], new double[numBuckets], Calibrating: false);

    /// <summary>Whether the entropy term vanishes (every α_b and ν_b is 0).</summary>
    [JsonIgnore]
    public bool IsZero => Alpha.All(a => a == 0) && Nu.All(n => n == 0);
}
