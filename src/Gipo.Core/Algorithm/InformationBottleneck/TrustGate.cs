namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// How far the learner may trust the probe (§C.5). The out-of-sample AUROC of each batch (scored before the probe
/// trains on it) feeds an EMA that starts at chance, 0.5; the gate
/// ρ_t = clip((AUC_ema − a₀)/(a₁ − a₀), 0, 1)·min(1, t/T_warm) stays shut until the probe has proven, on states
/// it never saw, that it ranks successes above failures — and then opens gradually.
/// </summary>
public sealed class TrustGate
{
    /// <summary>The EMA's starting value: a probe that ranks at chance.</summary>
    public const double InitialAucEma = 0.5;

    private readonly double decay;
    private double aucLow, aucHigh;
    private readonly int warmupSteps;

    public TrustGate(double aucLow = 0.55, double aucHigh = 0.75, int warmupSteps = 20, double emaDecay = 0.9)
    {
        if (!(aucLow < aucHigh)) throw new ArgumentException($"need a0 < a1, got {aucLow} and {aucHigh}");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "T_warm must be ≥ 0");
        if (emaDecay is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(emaDecay), emaDecay, "EMA decay must lie in [0, 1)");
        (this.aucLow, this.aucHigh, this.warmupSteps, decay) = (aucLow, aucHigh, warmupSteps, emaDecay);
    }

    /// <summary>A gate with the thresholds, ramp and EMA decay of <paramref name="config"/>.</summary>
    public TrustGate(IbConfig config) : this(config.AucLow, config.AucHigh, config.WarmupSteps, config.AucEmaDecay) { }

    /// <summary>a₀: the AUC_ema at which trust starts to open.</summary>
    public double AucLow => aucLow;

    /// <summary>a₁: the AUC_ema of full trust.</summary>
    public double AucHigh => aucHigh;

    /// <summary>
    /// New thresholds a₀ &lt; a₁ from the next <see cref="Rho"/> on (a live change of a running run): the EMA the
    /// probe earned so far is kept, only how much of it counts as trust changes.
    /// </summary>
    public void Retune(double newAucLow, double newAucHigh)
    {
        if (!(newAucLow < newAucHigh)) throw new ArgumentException($"need a0 < a1, got {newAucLow} and {newAucHigh}");
        (aucLow, aucHigh) = (newAucLow, newAucHigh);
    }

    /// <summary>AUC_ema.</summary>
    public double AucEma { get; private set; } = InitialAucEma;

    /// <summary>Number of batch AUROCs folded into the EMA so far.</summary>
    public long Observations { get; private set; }

    /// <summary>
    /// Folds one batch AUROC into the EMA. Null (a batch with a single class, where AUROC is undefined) leaves
    /// the EMA unchanged: no evidence either way.
    /// </summary>
    public void Observe(double? batchAuc)
    {
        if (batchAuc is not { } auc) return;
        if (auc is < 0 or > 1 || double.IsNaN(auc)) throw new ArgumentOutOfRangeException(nameof(batchAuc), auc, "AUROC must lie in [0, 1]");
        AucEma = decay * AucEma + (1 - decay) * auc;
        Observations++;
    }

    /// <summary>ρ_t at learner step <paramref name="learnerStep"/> for the current EMA.</summary>
    public double Rho(long learnerStep)
    {
        var trust = Math.Clamp((AucEma - aucLow) / (aucHigh - aucLow), 0.0, 1.0);
        var ramp = warmupSteps == 0 ? 1.0 : Math.Min(1.0, Math.Max(0, learnerStep) / (double)warmupSteps);
        return trust * ramp;
    }

    /// <summary>A snapshot for checkpoints.</summary>
    public TrustGateState State => new(AucEma, Observations);

    /// <summary>Restores a snapshot taken with <see cref="State"/>.</summary>
    public void Restore(TrustGateState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.AucEma is < 0 or > 1 || double.IsNaN(state.AucEma) || state.Observations < 0)
            throw new InvalidDataException($"bad trust-gate state: AUC_ema {state.AucEma}, {state.Observations} observations");
        (AucEma, Observations) = (state.AucEma, state.Observations);
    }
}
