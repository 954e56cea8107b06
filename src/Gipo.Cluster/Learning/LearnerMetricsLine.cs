using System.Text.Json.Nodes;
using Gipo.Cluster.Coordination;
using Gipo.Model.Learning;

namespace Gipo.Cluster.Learning;

/// <summary>The <c>metrics.jsonl</c> object of one learner step (or of an evaluation before the first step).</summary>
public static class LearnerMetricsLine
{
    /// <summary>
    /// The line: the learner's metrics (null before the first step), the ledger's counts after the step, staleness of
    /// the batch, the learner's idle time and, on evaluation steps, pass@1.
    /// </summary>
    public static JsonObject Build(
        long step, long policyVersion, LearnerStepMetrics? m, LedgerStatus ledger, double? evalPassAt1,
        IReadOnlyList<long> batchStaleness, double waitSeconds, double idleFraction, double seconds)
    {
        var line = new JsonObject
        {
            ["step"] = step,
            ["policy_version"] = policyVersion,
            ["reward_mean"] = m?.RewardMean,
            ["samples_total"] = ledger.SamplesConsumed,
            ["eval_pass_at_1"] = evalPassAt1,
        };
        if (evalPassAt1 is null) line.Remove("eval_pass_at_1");
        line["success_rate"] = m?.SuccessRate;
        line["response_length"] = m?.MeanResponseLength;
        line["staleness_mean"] = batchStaleness.Count > 0 ? batchStaleness.Average() : null;
        line["staleness_max"] = batchStaleness.Count > 0 ? batchStaleness.Max() : null;
        line["learner_wait_seconds"] = Math.Round(waitSeconds, 4);
        line["learner_idle_fraction"] = Math.Round(idleFraction, 4);
        line["groups_issued"] = ledger.TotalIssued;
        line["groups_consumed"] = ledger.Groups.Consumed;
        line["groups_running"] = ledger.Groups.Issued + ledger.Groups.Generated;
        line["groups_scored"] = ledger.Groups.Scored;
        var drops = new JsonObject();
        foreach (var reason in DropReasons.All) drops[reason.Name()] = ledger.Drops[reason];
        line["groups_dropped"] = drops;
        if (m is not null) AddStepMetrics(line, m, timings: true);
        line["seconds"] = Math.Round(seconds, 4);
        return line;
    }

    /// <summary>
    /// The keys of the line that come from the learner's step alone, without its timings: what replaying the step from
    /// the same checkpoint and batch must reproduce exactly (<c>gipo replay</c> compares them).
    /// </summary>
    public static JsonObject StepMetrics(LearnerStepMetrics m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var line = new JsonObject
        {
            ["reward_mean"] = m.RewardMean,
            ["success_rate"] = m.SuccessRate,
            ["response_length"] = m.MeanResponseLength,
        };
        AddStepMetrics(line, m, timings: false);
        return line;
    }

    private static void AddStepMetrics(JsonObject line, LearnerStepMetrics m, bool timings)
    {
        line["pg_loss"] = m.Loss.PgLoss;
        line["clip_frac_high"] = m.Loss.ClipFractionHigh;
        line["clip_frac_low"] = m.Loss.ClipFractionLow;
        line["is_weight_mean_abs_dev"] = m.Loss.MeanAbsWeightMinusOne;
        line["token_entropy"] = m.TokenEntropy;
        line["bucket_entropy"] = Array(m.BucketEntropy);
        line["bucket_target"] = Array(m.BucketTarget);
        line["bucket_alpha"] = Array(m.BucketAlpha);
        line["bucket_nu"] = Array(m.BucketNu);
        line["bucket_upper"] = Array(m.BucketUpper);
        line["calibrating"] = m.Calibrating;
        line["entropy_term"] = m.EntropyTerm;
        line["entropy_grad_share"] = m.EntropyGradShare;
        line["kl_loss"] = m.KlLoss;
        line["cov_selected_tokens"] = m.CovSelectedTokens;
        line["ib_auroc"] = m.IbBatchAuroc;
        line["ib_auc_ema"] = m.IbAucEma;
        line["ib_rho"] = m.IbRho;
        line["ib_bce"] = m.IbBce;
        line["ib_auroc_within_group"] = m.IbWithinGroupAuroc;
        line["ib_auroc_within_group_groups"] = m.IbWithinGroupAurocGroups;
        line["ib_auroc_by_step"] = Array(m.IbAurocByStep);
        line["ib_sign_flip"] = m.IbSignFlipFraction;
        line["ib_credit_failing"] = m.IbCreditFailing;
        line["ib_credit_succeeding"] = m.IbCreditSucceeding;
        line["ib_kl_rate"] = m.IbKlRate;
        line["ib_brier"] = m.IbBrier;
        line["ib_calibration_gap"] = m.IbCalibrationGap;
        line["ib_train_states"] = m.IbTrainStates;
        line["grad_norm"] = m.GradNorm;
        if (timings)
        {
            line["learner_seconds"] = m.Seconds;
            line["prox_seconds"] = m.ProxSeconds;
            line["ppo_seconds"] = m.PpoSeconds;
        }
    }

    private static JsonArray Array(double[] values) => [.. values.Select(v => double.IsFinite(v) ? JsonValue.Create(v) : null)];
}
