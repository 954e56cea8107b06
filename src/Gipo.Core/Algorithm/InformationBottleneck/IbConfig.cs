namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>Which space the step potentials live in (§C.6, key <c>gipo.algorithm.ib.phi-space</c>).</summary>
public enum PhiSpace
{
    /// <summary>Φ is a success probability: the shaped reward stays on the outcome's scale.</summary>
    Prob,

    /// <summary>Φ := log max(Φ, ε_Φ) for every potential, endpoints included (ablation).</summary>
    Log,
}

/// <summary>Where the intermediate potentials Φ_1..Φ_{K−1} come from (§C.9, key <c>gipo.algorithm.ib.phi-source</c>).</summary>
public enum PhiSource
{
    /// <summary>The variational-IB probe on [LN(h); stdz(SC, LP, EH); pos].</summary>
    Probe,

    /// <summary>A 2-parameter logistic regression on standardised self-certainty only (the confidence-only ablation).</summary>
    ScLogistic,

    /// <summary>
    /// RLPR/VeriFree-style: Φ_k is the π_prox mean token probability of the reference answer y* (and the template's
    /// suffix) teacher-forced after step k and the template's prefix. No probe is trained: the policy is the scorer,
    /// so the learner computes it with extra no-grad forwards, one row per state.
    /// </summary>
    RefAnswerProb,
}

/// <summary>
/// Every option of the confidence-guided implicit reward (§C, §D.4 IB rows). The <c>gipo.algorithm.ib</c> keys are required
/// and have no default here: their values live once, in <c>hocon/gipo.conf</c>; the three internal constants (probe grad
/// clip, AUROC EMA decay, ε_Φ) are not settings and keep their values here. Whether IB is on at all (<c>ib.enabled</c>)
/// is a preset flag (§D.3) and lives with the presets.
/// </summary>
public sealed record IbConfig
{
    /// <summary>Probe hidden width d_e.</summary>
    public required int EmbedDim { get; init; }

    /// <summary>Bottleneck width d_z.</summary>
    public required int LatentDim { get; init; }

    /// <summary>β_IB: weight of KL(p(z|u) ‖ N(0, I)) in the probe loss.</summary>
    public required double BetaIb { get; init; }

    /// <summary>Learning rate of the probe's own Adam optimizer.</summary>
    public required double ProbeLearningRate { get; init; }

    /// <summary>E_ib: passes over the training states per learner step.</summary>
    public required int Epochs { get; init; }

    /// <summary>Probe minibatch size, in states.</summary>
    public required int MinibatchSize { get; init; }

    /// <summary>Global gradient-norm clip of the probe.</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>N_replay: how many previous batches' states are trained on again with the current one (0 = none).</summary>
    public required int ReplayBatches { get; init; }

    /// <summary>w_ib: the largest share of the token advantage the IB credit may take (reached at ρ = 1).</summary>
    public required double WeightIb { get; init; }

    /// <summary>λ_s: trace parameter of the GAE over steps (1 = Monte-Carlo with a learned baseline, 0 = TD(0)).</summary>
    public required double LambdaS { get; init; }

    /// <summary>c_ib: clip of the step advantage, in probability units, before dividing by s_g.</summary>
    public required double ClipIb { get; init; }

    /// <summary>T_warm: learner steps of the linear ramp of the gate.</summary>
    public required int WarmupSteps { get; init; }

    /// <summary>a_0: AUROC EMA at or below which the gate is closed.</summary>
    public required double AucLow { get; init; }

    /// <summary>a_1: AUROC EMA at or above which the gate is fully open.</summary>
    public required double AucHigh { get; init; }

    /// <summary>Decay of the AUROC EMA: ema ← decay·ema + (1 − decay)·auc.</summary>
    public double AucEmaDecay { get; init; } = 0.9;

    /// <summary>Space of the potentials.</summary>
    public required PhiSpace PhiSpace { get; init; }

    /// <summary>ε_Φ: floor inside the log of <see cref="InformationBottleneck.PhiSpace.Log"/>.</summary>
    public double PhiEpsilon { get; init; } = 0.05;

    /// <summary>Source of the intermediate potentials.</summary>
    public required PhiSource PhiSource { get; init; }

    /// <summary>
    /// <c>ib.ref_answer_prefix</c>: text appended after a step's tokens before the reference answer (conditioning only,
    /// not scored). The synthetic tasks write their answer step as <c>A:&lt;answer&gt;\n</c>.
    /// </summary>
    public required string RefAnswerPrefix { get; init; }

    /// <summary>
    /// <c>ib.ref_answer_suffix</c>: text after the reference answer, scored with it: it marks the answer as complete,
    /// so a state that would continue <c>568</c> into <c>5689</c> does not count as predicting <c>568</c>.
    /// </summary>
    public required string RefAnswerSuffix { get; init; }

    /// <summary><c>ib.ref_answer_microbatch</c>: (state, answer) rows per no-grad policy forward, which bounds its memory.</summary>
    public required int RefAnswerMicrobatch { get; init; }

    /// <summary>Whether a probe is trained at all: every source but <see cref="PhiSource.RefAnswerProb"/> has one.</summary>
    public bool UsesProbe => PhiSource != PhiSource.RefAnswerProb;

    /// <summary>
    /// <c>ib.uniform_groups</c>: blend IB credit into all-equal-reward groups too (with s_g := 1) instead of
    /// switching it off there.
    /// </summary>
    public required bool UniformGroups { get; init; }

    /// <summary>
    /// <c>ib.backprop_to_policy</c>: add ζ·L_IB to every PPO minibatch's loss, with the features' LN(h) taken from the θ
    /// forward and not detached, so the gradient reaches the trunk; the probe's own parameters are frozen for that
    /// term (it still trains on detached features). Ablation only: the policy can then reshape its states to please
    /// the probe (§C.8 point 2). With <see cref="PhiSource.ScLogistic"/>, which reads no h, the term has no gradient.
    /// </summary>
    public required bool BackpropToPolicy { get; init; }

    /// <summary>ζ: weight of L_IB in the policy loss when <see cref="BackpropToPolicy"/> is on.</summary>
    public required double BackpropCoefficient { get; init; }

    /// <summary>
    /// <c>ib.train_on_filtered</c>: also train the probe on groups rejected by dynamic sampling. Their states cost a
    /// π_prox forward for features and never reach the policy loss, the advantages or the AUROC.
    /// </summary>
    public required bool TrainOnFiltered { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range; returns this otherwise.</summary>
    public IbConfig Validate()
    {
        Require(EmbedDim >= 1, nameof(EmbedDim), EmbedDim);
        Require(LatentDim >= 1, nameof(LatentDim), LatentDim);
        Require(BetaIb >= 0, nameof(BetaIb), BetaIb);
        Require(ProbeLearningRate > 0, nameof(ProbeLearningRate), ProbeLearningRate);
        Require(Epochs >= 1, nameof(Epochs), Epochs);
        Require(MinibatchSize >= 1, nameof(MinibatchSize), MinibatchSize);
        Require(GradClip > 0, nameof(GradClip), GradClip);
        Require(ReplayBatches >= 0, nameof(ReplayBatches), ReplayBatches);
        Require(WeightIb is >= 0 and <= 1, nameof(WeightIb), WeightIb);
        Require(LambdaS is >= 0 and <= 1, nameof(LambdaS), LambdaS);
        Require(ClipIb > 0, nameof(ClipIb), ClipIb);
        Require(WarmupSteps >= 0, nameof(WarmupSteps), WarmupSteps);
        Require(AucLow < AucHigh, nameof(AucHigh), AucHigh);
        Require(AucEmaDecay is >= 0 and < 1, nameof(AucEmaDecay), AucEmaDecay);
        Require(PhiEpsilon > 0, nameof(PhiEpsilon), PhiEpsilon);
        Require(BackpropCoefficient >= 0, nameof(BackpropCoefficient), BackpropCoefficient);
        Require(RefAnswerMicrobatch >= 1, nameof(RefAnswerMicrobatch), RefAnswerMicrobatch);
        return this;
    }

    private static void Require(bool ok, string name, object value)
    {
        if (!ok) throw new ArgumentException($"ib option {name} = {value} is out of range");
    }
}
