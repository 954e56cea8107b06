namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// The entropy scheduler (§B.5, §B.6, §B.8): per bucket, an EMA of the batch statistic H̄_b, a calibrated reference
/// H^ref_b, an annealed target H*_b(t) and a Lagrange multiplier λ_b ≥ 0 updated by projected dual ascent (or PID),
/// plus an optional upper-bound multiplier ν_b. One <see cref="Update"/> per learner step, before the PPO updates.
/// Deterministic: the same state and statistics give the same coefficients, so <see cref="State"/> /
/// <see cref="FromState"/> resume a run exactly.
/// </summary>
public sealed class EntropyScheduler
{
    /// <summary>The <see cref="EntropySchedulerState"/> layout this class writes and reads.</summary>
    public const int SchemaVersion = 1;

    private EntropySchedulerConfig config;
    private readonly int numBuckets;
    private long learnerStep;
    private long policyVersion;
    private bool calibrating;
    private int calStepsDone;
    private readonly double[] calSum;
    private readonly int[] calCount;
    private readonly double[] hRef;
    private readonly double[] hEma;
    private readonly bool[] hEmaInit;
    private readonly double[] lambda;
    private readonly double[] nu;
    private readonly double[] pidIntegral;
    private readonly double[] pidPrevError;
    private readonly bool[] pidStarted;

    private EntropyScheduler(EntropySchedulerState s)
    {
        this.config = s.Config;
        this.numBuckets = s.NumBuckets;
        this.learnerStep = s.LearnerStep;
        policyVersion = s.PolicyVersion;
        this.calibrating = s.Calibrating;
        calStepsDone = s.CalStepsDone;
        calSum = [.. s.CalSum];
        calCount = [.. s.CalCount];
        hRef = [.. s.HRef];
        hEma = [.. s.HEma];
        hEmaInit = [.. s.HEmaInit];
        lambda = [.. s.Lambda];
        this.nu = [.. s.Nu];
        pidIntegral = [.. s.PidIntegral];
        pidPrevError = [.. s.PidPrevError];
        pidStarted = [.. s.PidStarted];
    }

    /// <summary>
    /// Replaces the hyper-parameters from the next <see cref="Update"/> on (a live change of a running run,
    /// <c>gipo set</c>): the state — H^ref, the EMAs, the multipliers — is kept, and only the fields that
    /// <see cref="EntropySchedulerConfig.SameStructure"/> lets differ may change, so the state stays meaningful.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="config"/> is invalid or changes the state's structure.</exception>
    public void Reconfigure(EntropySchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (!config.SameStructure(this.config))
            throw new ArgumentException("only the targets (κ₀, κ₁, T_anneal, d_min, H_floor), u, " +
                                        "η_λ and λ_max of the entropy scheduler can change during a run");
        this.config = config;
    }

    /// <summary>A fresh scheduler: calibrating, every multiplier 0.</summary>
    /// <param name="numBuckets">K_B ≥ 1 (1 for <see cref="EntropyMode.AdaptiveGlobal"/>).</param>
    public static EntropyScheduler Create(EntropySchedulerConfig config, int numBuckets)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (numBuckets < 1)
        {
            throw new ArgumentException($"the number of buckets K_B must be at least 1, got {numBuckets}", nameof(numBuckets));
        }
        double[] Zeros() => new double[numBuckets];
        return new EntropyScheduler(new EntropySchedulerState(
            SchemaVersion, numBuckets, config, LearnerStep: -1, PolicyVersion: 0,
            Calibrating: true, CalStepsDone: 0, Zeros(), new int[numBuckets],
            Zeros(), Zeros(), new bool[numBuckets], Zeros(), Zeros(),
            Zeros(), Zeros(), new bool[numBuckets]));
    }

    /// <summary>
    /// The scheduler an entropy mode needs: <see cref="EntropyMode.Gsec"/> uses <paramref name="config"/> and
    /// <paramref name="numBuckets"/> as given; <see cref="EntropyMode.AdaptiveGlobal"/> (Skywork-OR1) is GSEC with one
    /// bucket and the gated mode, so the learner must also bucket with K_B = 1.
    /// </summary>
    public static EntropyScheduler CreateFor(EntropyMode mode, EntropySchedulerConfig config, int numBuckets)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (mode is not (EntropyMode.Gsec or EntropyMode.AdaptiveGlobal))
            throw new ArgumentException($"entropy mode {mode} has no scheduler", nameof(mode));
        return Create(ConfigFor(mode, config), BucketsFor(mode, numBuckets));
    }

    /// <summary>
    /// K_B of <paramref name="mode"/>'s statistic and scheduler: <paramref name="numBuckets"/> (<c>gsec.buckets</c>),
    /// except 1 for <see cref="EntropyMode.AdaptiveGlobal"/>. The learner's bucketing and every scheduler use this one
    /// rule, so their statistics always fit.
    /// </summary>
    public static int BucketsFor(EntropyMode mode, int numBuckets) => mode == EntropyMode.AdaptiveGlobal ? 1 : numBuckets;

    /// <summary>The scheduler configuration of <paramref name="mode"/>: <paramref name="config"/>, gated for
    /// <see cref="EntropyMode.AdaptiveGlobal"/>.</summary>
    public static EntropySchedulerConfig ConfigFor(EntropyMode mode, EntropySchedulerConfig config) =>
        mode == EntropyMode.AdaptiveGlobal ? config with { Mode = EntropySchedulerConfig.Gated } : config;

    /// <summary>Resumes from a snapshot; the state is validated and copied.</summary>
    public static EntropyScheduler FromState(EntropySchedulerState state)
    {
        Validate(state);
        return new EntropyScheduler(state);
    }

    public EntropySchedulerConfig Config => this.config;

    public int NumBuckets => this.numBuckets;

    /// <summary>A snapshot of the current state (a copy: later updates do not change it).</summary>
    public EntropySchedulerState State => new(
        SchemaVersion, this.numBuckets, this.config, this.learnerStep, policyVersion,
        this.calibrating, calStepsDone, [.. calSum], [.. calCount],
        [.. hRef], [.. hEma], [.. hEmaInit], [.. lambda], [.. this.nu],
        [.. pidIntegral], [.. pidPrevError], [.. pidStarted]);

    /// <summary>
    /// Applies learner step t's statistics (EMA, calibration or dual step) and returns the coefficients for step t.
    /// Buckets absent from the batch are not updated.
    /// </summary>
    /// <exception cref="ArgumentException">The statistics have the wrong bucket count, a non-finite value for a present
    /// bucket, or a learner step not after the last applied one.</exception>
    public EntropyCoefficients Update(EntropyStats stats)
    {
        ValidateStats(stats);
        var present = Enumerable.Range(0, this.numBuckets).Where(b => stats.BucketGroups[b] > 0).ToArray();
        foreach (var b in present)
        {
            UpdateEma(b, stats.BucketMean[b]);
        }

        var wasCalibrating = this.calibrating;
        if (this.calibrating)
        {
            Calibrate(present, stats.BucketMean);
        }
        else
        {
            foreach (var b in present)
            {
                StepMultipliers(b, stats.LearnerStep);
            }
        }

        this.learnerStep = stats.LearnerStep;
        policyVersion = stats.PolicyVersion;
        return Coefficients(stats.LearnerStep, wasCalibrating);
    }

    /// <summary>κ(t) = κ₀ + (κ₁ − κ₀)·min(1, max(0, t − N_cal)/T_anneal).</summary>
    public double Kappa(long learnerStep)
    {
        var progress = Math.Min(1.0, Math.Max(0, learnerStep - this.config.NCal) / (double)this.config.TAnneal);
        return this.config.Kappa0 + ((this.config.Kappa1 - this.config.Kappa0) * progress);
    }

    /// <summary>d_b = 1 − (1 − d_min)·b/(K_B − 1); d_0 = 1 when K_B = 1. High early, lower late.</summary>
    public double StepProfile(int bucket) =>
        this.numBuckets == 1 ? 1.0 : 1.0 - ((1.0 - this.config.DMin) * bucket / (this.numBuckets - 1));

    /// <summary>H*_b(t) = max(H_floor, κ(t)·d_b·H^ref_b); 0 until calibration has set H^ref.</summary>
    public double Target(int bucket, long learnerStep) =>
        this.calibrating ? 0 : Math.Max(this.config.HFloor, Kappa(learnerStep) * StepProfile(bucket) * hRef[bucket]);

    /// <summary>H^max_b = u·H^ref_b; 0 when off or not yet calibrated.</summary>
    public double Upper(int bucket) =>
        this.calibrating || !this.config.HasUpperBound ? 0 : this.config.UpperMult * hRef[bucket];

    private void UpdateEma(int b, double mean)
    {
        hEma[b] = hEmaInit[b] ? (this.config.EmaAlpha * hEma[b]) + ((1 - this.config.EmaAlpha) * mean) : mean;
        hEmaInit[b] = true;
    }

    // λ stays 0 while the SFT policy's entropy is measured. Calibration also waits for the first observed bucket:
    // without one there is no reference to scale (and no constrained token to regularise).
    private void Calibrate(int[] present, double[] bucketMean)
    {
        foreach (var b in present)
        {
            calSum[b] += bucketMean[b];
            calCount[b]++;
        }
        calStepsDone++;
        if (calStepsDone >= this.config.NCal && calCount.Any(c => c > 0))
        {
            SetReference();
            this.calibrating = false;
        }
    }

    // A bucket never seen during calibration borrows the previous bucket's reference (§B.5); bucket 0, having no
    // previous one, borrows the first observed bucket's.
    private void SetReference()
    {
        var firstSeen = Array.FindIndex(calCount, c => c > 0);
        for (var b = 0; b < this.numBuckets; b++)
        {
            hRef[b] = calCount[b] > 0 ? calSum[b] / calCount[b]
                : b == 0 ? calSum[firstSeen] / calCount[firstSeen]
                : hRef[b - 1];
        }
    }

    private void StepMultipliers(int b, long learnerStep)
    {
        var deficit = Target(b, learnerStep) - hEma[b];
        lambda[b] = this.config.Pid ? PidMultiplier(b, deficit) : Clip(lambda[b] + (this.config.EtaLambda * deficit));
        if (this.config.HasUpperBound)
        {
            this.nu[b] = Clip(this.nu[b] + (this.config.EtaLambda * (hEma[b] - Upper(b))));
        }
    }

    // Anti-windup: the integral alone never asks for more than λ_max, so a long deficit does not delay the release
    // once the surplus returns (and with K_P = K_D = 0 this is the projected dual ascent).
    private double PidMultiplier(int b, double error)
    {
        var integralCap = this.config.Ki > 0 ? this.config.LambdaMax / this.config.Ki : 0;
        pidIntegral[b] = Math.Clamp(pidIntegral[b] + error, 0, integralCap);
        var derivative = pidStarted[b] ? error - pidPrevError[b] : 0;
        pidPrevError[b] = error;
        pidStarted[b] = true;
        return Clip((this.config.Kp * error) + (this.config.Ki * pidIntegral[b]) + (this.config.Kd * derivative));
    }

    private double Clip(double multiplier) => Math.Clamp(multiplier, 0, this.config.LambdaMax);

    private EntropyCoefficients Coefficients(long learnerStep, bool calibrationStep)
    {
        var alpha = new double[this.numBuckets];
        var nu = new double[this.numBuckets];
        var target = new double[this.numBuckets];
        var upper = new double[this.numBuckets];
        for (var b = 0; b < this.numBuckets; b++)
        {
            target[b] = Target(b, learnerStep);
            upper[b] = Upper(b);
            if (calibrationStep)
            {
                continue;
            }
            var below = !hEmaInit[b] || hEma[b] < target[b];
            alpha[b] = this.config.IsGated && !below ? 0 : lambda[b];
            nu[b] = this.nu[b];
        }
        return new EntropyCoefficients(learnerStep, alpha, nu, target, upper, calibrationStep);
    }

    private void ValidateStats(EntropyStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        if (stats.BucketMean is null || stats.BucketGroups is null || stats.BucketTokens is null
            || stats.BucketMean.Length != this.numBuckets || stats.BucketGroups.Length != this.numBuckets
                || stats.BucketTokens.Length != this.numBuckets)
        {
            throw new ArgumentException($"entropy statistics must have {this.numBuckets} buckets (BucketMean, BucketGroups, BucketTokens)",
                                        nameof(stats));
        }
        if (stats.LearnerStep <= this.learnerStep)
        {
            throw new ArgumentException($"learner step {stats.LearnerStep} is not after the last applied step {this.learnerStep} " +
                                        $"(a duplicate or out-of-order update)", nameof(stats));
        }
        for (var b = 0; b < this.numBuckets; b++)
        {
            if (stats.BucketGroups[b] < 0 || stats.BucketTokens[b] < 0)
            {
                throw new ArgumentException($"bucket {b} has a negative count", nameof(stats));
            }
            if (stats.BucketGroups[b] > 0 && !double.IsFinite(stats.BucketMean[b]))
            {
                throw new ArgumentException($"bucket {b} is present ({stats.BucketGroups[b]} groups) but its mean entropy is " +
                                            $"{stats.BucketMean[b]}", nameof(stats));
            }
        }
        if (!double.IsFinite(stats.GlobalTokenMean) || double.IsInfinity(stats.AnswerStepMean))
        {
            throw new ArgumentException($"non-finite entropy statistics: global {stats.GlobalTokenMean}, answer steps {stats.AnswerStepMean}",
                                        nameof(stats));
        }
    }

    private static void Validate(EntropySchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Config, nameof(state.Config));
        state.Config.Validate();
        void Require(bool condition, string message)
        {
            if (!condition)
            {
                throw new ArgumentException($"invalid entropy-scheduler state: {message}", nameof(state));
            }
        }

        Require(state.SchemaVersion == SchemaVersion, $"schema version {state.SchemaVersion}, this build reads {SchemaVersion}");
        Require(state.NumBuckets >= 1, $"K_B = {state.NumBuckets}");
        Require(state.CalStepsDone >= 0, $"CalStepsDone = {state.CalStepsDone}");
        Require(state.LearnerStep >= -1, $"LearnerStep = {state.LearnerStep}");
        var k = state.NumBuckets;
        Array?[] arrays = [state.CalSum, state.CalCount, state.HRef, state.HEma, state.HEmaInit, state.Lambda, state.Nu,
            state.PidIntegral, state.PidPrevError, state.PidStarted];
        Require(arrays.All(a => a is not null && a.Length == k), $"every per-bucket array needs {k} entries");
        double[][] doubles = [state.CalSum, state.HRef, state.HEma, state.Lambda, state.Nu, state.PidIntegral, state.PidPrevError];
        Require(doubles.All(a => a.All(double.IsFinite)), "a per-bucket value is not finite");
        Require(state.Lambda.All(l => l >= 0) && state.Nu.All(n => n >= 0), "multipliers must be ≥ 0");
        Require(state.CalCount.All(c => c >= 0), "calibration counts must be ≥ 0");
        Require(state.Calibrating || state.CalCount.Any(c => c > 0), "calibration ended without observing any bucket");
    }
}
