using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Core.Algorithm.Objective;

namespace Gipo.Cluster.Configuration;

/// <summary>Maps <c>gipo.algorithm</c> HOCON onto <see cref="AlgorithmSettings"/>, naming the key of any bad value.</summary>
public static class AlgorithmSettingsReader
{
    public static AlgorithmSettings Read(GipoSettings settings)
    {
        var batch = settings.Section("algorithm.batch");
        var clip = settings.Section("algorithm.clip");
        var kl = settings.Section("algorithm.kl");
        var ds = settings.Section("algorithm.dynamic-sampling");
        var overlong = settings.Section("algorithm.overlong");
        var off = settings.Section("algorithm.off-policy");
        var optim = settings.Section("algorithm.optim");
        var entropy = settings.Section("algorithm.entropy");
        var gsec = settings.Section("algorithm.gsec");
        var ib = settings.Section("algorithm.ib");

        var maxNew = batch.Int("max-new-tokens", 1);
        var mode = entropy.Choice("mode", new Dictionary<string, EntropyMode>
        {
            ["none"] = EntropyMode.None, ["bonus"] = EntropyMode.Bonus, ["adaptive_global"] = EntropyMode.AdaptiveGlobal,
            ["clip_cov"] = EntropyMode.ClipCov, ["kl_cov"] = EntropyMode.KlCov, ["forking"] = EntropyMode.Forking, ["gsec"] = EntropyMode.Gsec,
        });
        var calibration = gsec.Int("calibration-steps", 1);
        var importance =
            off.Choice("is-mode", new Dictionary<string, ImportanceMode> { ["truncate"] = ImportanceMode.Truncate, ["mask"] = ImportanceMode.Mask });
        return new AlgorithmSettings
        {
            GroupsPerStep = batch.Int("groups-per-step", 1),
            GroupSize = batch.Int("group-size", 2),
            MaxNewTokens = maxNew,
            Temperature = batch.Double("temperature", 1e-6),
            AdvantageNorm = settings.Section("algorithm.advantage").Choice("norm", new Dictionary<string, AdvantageNorm>
            {
                ["grpo"] = AdvantageNorm.Grpo, ["drgrpo"] = AdvantageNorm.DrGrpo, ["rloo"] = AdvantageNorm.Rloo,
                ["batchstd"] = AdvantageNorm.BatchStd,
            }),
            Loss = new PolicyLossConfig(
                EpsLow: clip.Double("eps-low", 0, 1), EpsHigh: clip.Double("eps-high", 0, 10), DualClipC: clip.Double("dual-c", 1.000001),
                Importance: importance, ImportanceCap: off.Double("is-cap", 1),
                Aggregation: settings.Section("algorithm.loss").Choice("aggregation", new Dictionary<string, LossAggregation>
                {
                    ["token-mean"] = LossAggregation.TokenMean, ["seq-mean-token-mean"] = LossAggregation.SeqMeanTokenMean,
                    ["seq-mean-token-sum"] = LossAggregation.SeqMeanTokenSum, ["seq-mean-token-sum-norm"] = LossAggregation.SeqMeanTokenSumNorm,
                }),
                MaxResponseLength: maxNew,
                KlBeta: kl.Double("beta", 0),
                KlEstimator: kl.Choice("estimator",
                    new Dictionary<string, KlEstimator> { ["k1"] = KlEstimator.K1, ["k2"] = KlEstimator.K2, ["k3"] = KlEstimator.K3 })),
            DynamicSampling = ds.Bool("enabled"),
            MaxGenRounds = ds.Int("max-gen-rounds", 1),
            MaxEmptyRounds = ds.Int("max-empty-rounds", 0),
            Overlong = overlong.Bool("enabled")
                ? new OverlongShaping(maxNew, overlong.Int("buffer", 1, maxNew), overlong.Double("penalty", 0)) : null,
            Prox = off.Choice("prox", new Dictionary<string, ProxMode> { ["recompute"] = ProxMode.Recompute, ["behave"] = ProxMode.Behave,
                                                                        ["loglinear"] = ProxMode.LogLinear }),
            MaxStaleness = off.Int("max-staleness", 0),
            LearningRate = optim.PositiveDouble("lr"),
            WarmupSteps = optim.Int("warmup-steps", 0),
            WeightDecay = optim.Double("weight-decay", 0),
            GradClip = optim.Double("grad-clip", 0),
            PpoEpochs = optim.Int("ppo-epochs", 1),
            Minibatches = optim.Int("minibatches", 1),
            Entropy = new EntropyRegularizerOptions(mode, entropy.Double("bonus-coef", 0), entropy.Double("cov-ratio", 0, 1),
                entropy.Double("clip-cov-lb"), entropy.Double("clip-cov-ub"), entropy.Double("kl-cov-coef", 0),
                entropy.Double("forking-quantile", 0, 1)),
            StepDelimiter = gsec.EscapedString("delimiter"),
            MinStepLength = gsec.Int("min-step-length", 1),
            AnswerMarker = gsec.String("answer-marker"),
            Buckets = gsec.Int("buckets", 1),
            Scheduler = new EntropySchedulerConfig(
                Kappa0: gsec.Double("kappa0", 0), Kappa1: gsec.Double("kappa1", 0),
                TAnneal: AnnealSteps(gsec, settings.Section("run").Int("steps", 1), calibration),
                DMin: gsec.Double("d-min", 0, 1), HFloor: gsec.Double("h-floor", 0), UpperMult: gsec.Double("upper-mult", 0),
                EtaLambda: gsec.Double("eta-lambda", 0), LambdaMax: gsec.Double("lambda-max", 0), EmaAlpha: gsec.Double("ema-alpha", 0, 0.999999),
                NCal: calibration,
                Mode: gsec.Choice("mode",
                    new Dictionary<string, string> { ["lagrangian"] = EntropySchedulerConfig.Lagrangian, ["gated"] = EntropySchedulerConfig.Gated }),
                Position: gsec.Choice("position", new Dictionary<string, string> { ["absolute"] = EntropySchedulerConfig.Absolute,
                                                                                  ["relative"] = EntropySchedulerConfig.Relative }),
                Pid: gsec.Bool("pid"), Kp: gsec.Double("kp", 0), Ki: gsec.Double("ki", 0), Kd: gsec.Double("kd", 0)),
            IbEnabled = ib.Bool("enabled"),
            Ib = new IbConfig
            {
                PhiSource = ib.Choice("phi-source", new Dictionary<string, PhiSource>
                {
                    ["probe"] = PhiSource.Probe, ["sc_logistic"] = PhiSource.ScLogistic, ["ref_answer_prob"] = PhiSource.RefAnswerProb,
                }),
                RefAnswerPrefix = ib.EscapedString("ref-answer-prefix"), RefAnswerSuffix = ib.EscapedString("ref-answer-suffix"),
                RefAnswerMicrobatch = ib.Int("ref-answer-microbatch", 1),
                PhiSpace = ib.Choice("phi-space", new Dictionary<string, PhiSpace> { ["prob"] = PhiSpace.Prob, ["log"] = PhiSpace.Log }),
                EmbedDim = ib.Int("embed-dim", 1), LatentDim = ib.Int("z-dim", 1), BetaIb = ib.Double("beta", 0),
                ProbeLearningRate = ib.Double("lr", 0), Epochs = ib.Int("epochs", 1), MinibatchSize = ib.Int("minibatch", 1),
                ReplayBatches = ib.Int("replay-batches", 0), WeightIb = ib.Double("weight", 0, 1), LambdaS = ib.Double("lambda-s", 0, 1),
                ClipIb = ib.Double("clip", 0), WarmupSteps = ib.Int("warmup-steps", 0), AucLow = ib.Double("auc-low", 0, 1),
                AucHigh = ib.Double("auc-high", 0, 1), UniformGroups = ib.Bool("uniform-groups"),
                BackpropToPolicy = ib.Bool("backprop-to-policy"), BackpropCoefficient = ib.Double("backprop-coef", 0),
                TrainOnFiltered = ib.Bool("train-on-filtered"),
            },
        }.Validate();
    }

    /// <summary>
    /// T_anneal (§B.5): <c>auto</c> is the run's steps after calibration, run.steps − N_cal (at least 1), so κ reaches κ₁
    /// at the last step; an explicit count may not exceed run.steps, where the run ends before the annealing does.
    /// </summary>
    private static long AnnealSteps(SettingsSection gsec, int runSteps, int calibrationSteps) =>
        gsec.IntOrAuto("anneal-steps", 1, runSteps, $"run.steps = {runSteps}") ?? Math.Max(1, runSteps - calibrationSteps);
}
