namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// Everything the entropy scheduler needs to resume exactly (§B.8), snapshotted after every update. Arrays have one
/// entry per bucket and hold finite values only (an unset value is 0 with its flag false), so the JSON round-trip
/// is exact. The PID arrays are this implementation's addition to §B.8 and stay 0 unless <c>Config.Pid</c>.
/// </summary>
/// <param name="SchemaVersion">Layout version of this record (<see cref="EntropyScheduler.SchemaVersion"/>).</param>
/// <param name="NumBuckets">K_B.</param>
/// <param name="LearnerStep">The learner step of the last applied update; −1 before the first.</param>
/// <param name="PolicyVersion">The policy version of the last applied update's statistics.</param>
/// <param name="Calibrating">λ ≡ 0 while true; H^ref is set when it turns false.</param>
/// <param name="CalStepsDone">Updates applied while calibrating.</param>
/// <param name="CalSum">Sum of H̄_b over calibration steps where bucket b was present.</param>
/// <param name="CalCount">Number of those steps.</param>
/// <param name="HRef">H^ref_b (0 while calibrating).</param>
/// <param name="HEma">H̃_b, the EMA of H̄_b.</param>
/// <param name="HEmaInit">Whether H̃_b has been set.</param>
/// <param name="Lambda">λ_b.</param>
/// <param name="Nu">ν_b (upper-bound multiplier).</param>
/// <param name="PidIntegral">PID: Σe per bucket.</param>
/// <param name="PidPrevError">PID: the previous e per bucket.</param>
/// <param name="PidStarted">PID: whether the bucket has had a controlled step (Δe is defined).</param>
public sealed record EntropySchedulerState(
    int SchemaVersion, int NumBuckets, EntropySchedulerConfig Config,
    long LearnerStep, long PolicyVersion,
    bool Calibrating, int CalStepsDone, double[] CalSum, int[] CalCount,
    double[] HRef, double[] HEma, bool[] HEmaInit,
    double[] Lambda, double[] Nu,
    double[] PidIntegral, double[] PidPrevError, bool[] PidStarted);
