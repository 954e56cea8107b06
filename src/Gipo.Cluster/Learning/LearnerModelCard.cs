using System.Globalization;
using System.Text.Json.Nodes;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Learning;

/// <summary>The model-card facts of a learner checkpoint (<see cref="HfCompanionFiles.ModelCard"/>): the run's algorithm, key settings and latest
/// metrics.</summary>
public static class LearnerModelCard
{
    /// <summary>Keys of the metrics line shown in the card, in order (those present and not null).</summary>
    private static readonly string[] MetricKeys =
        ["reward_mean", "success_rate", "response_length", "pg_loss", "token_entropy", "kl_loss", "grad_norm", "ib_auc_ema", "ib_rho",
         "staleness_mean"];

    /// <summary>
    /// The facts of the checkpoint after learner step <paramref name="step"/>: <paramref name="line"/> is that step's
    /// <c>metrics.jsonl</c> line (null when none was logged by this process), <paramref name="latestEval"/> the most recent
    /// held-out pass@1 this process measured and its step.
    /// </summary>
    public static ModelCardFacts Facts(LearnerSetup setup, long step, long policyVersion, JsonObject? line, (long Step, double PassAt1)? latestEval)
    {
        var a = setup.Algorithm;
        string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        string OnOff(bool v) => v ? "on" : "off";
        var algorithm = $"{Name(a.AdvantageNorm)} advantages, entropy control `{Name(a.Entropy.Mode)}`, IB probe {OnOff(a.IbEnabled)}, " +
                        $"dynamic sampling {OnOff(a.DynamicSampling)}, clip ε {F(a.Loss.EpsLow)}/{F(a.Loss.EpsHigh)}, " +
                        $"{(a.Loss.KlBeta > 0 ? $"KL β {F(a.Loss.KlBeta)}" : "no KL penalty")}, max staleness η = {a.MaxStaleness}";
        List<KeyValuePair<string, string>> settings =
        [
            new("algorithm.optim.lr", F(a.LearningRate)),
            new("algorithm.batch.groups-per-step", a.GroupsPerStep.ToString(CultureInfo.InvariantCulture)),
            new("algorithm.batch.group-size", a.GroupSize.ToString(CultureInfo.InvariantCulture)),
            new("algorithm.batch.max-new-tokens", a.MaxNewTokens.ToString(CultureInfo.InvariantCulture)),
            new("algorithm.batch.temperature", F(a.Temperature)),
            new("algorithm.optim.minibatches", a.Minibatches.ToString(CultureInfo.InvariantCulture)),
            new("algorithm.optim.ppo-epochs", a.PpoEpochs.ToString(CultureInfo.InvariantCulture)),
            new("run.steps", setup.TargetSteps.ToString(CultureInfo.InvariantCulture)),
            new("run.seed", setup.Seed.ToString(CultureInfo.InvariantCulture)),
        ];
        var metrics = new List<KeyValuePair<string, string>>();
        if (latestEval is { } e) metrics.Add(new($"eval_pass_at_1 (step {e.Step})", F(e.PassAt1)));
        if (line is not null)
        {
            foreach (var key in MetricKeys)
                if (Metrics.TensorBoardTags.Number(line[key]) is { } d) metrics.Add(new($"{key} (step {step})", F(d)));
        }
        return new ModelCardFacts(setup.RunId, setup.BaseCheckpoint, setup.Task.Name, algorithm, step, policyVersion, settings, metrics);
    }

    private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
