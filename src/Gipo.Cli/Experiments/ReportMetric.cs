using System.Globalization;
using Gipo.Core.Evaluation;

namespace Gipo.Cli.Experiments;

/// <summary>
/// One metric of the report: its name (as in <see cref="ExperimentReportOptions.PrimaryMetrics"/>, table.csv and
/// runs.jsonl), the table it belongs to (a split, or "training"), a short column label, and how to get a run's values:
/// one per prompt for evaluation metrics (bootstrapped over seeds, then prompts), a single one for run-level metrics
/// (bootstrapped over seeds). Null means the run does not have it.
/// </summary>
internal sealed record ReportMetric(string Name, string Group, string Label, Func<RunOutputs, IReadOnlyList<double>?> Values)
{
    public const string TrainingGroup = "training";
    public const string AreaName = "auc_pass@1_vs_trajectories";
    public const string TrajectoriesToReferenceName = "trajectories_to_90pct_reference_final";
    public const string FinalTrainPassName = "final_eval_pass@1";

    /// <summary>Fraction of the reference method's final pass@1 that "trajectories to reach" asks for (§E.3).</summary>
    public const double ReferenceFraction = 0.9;

    /// <summary>
    /// The metrics of one task: per split pass@1, pass@k, distinct-correct, greedy and budget accuracies; then final
    /// training pass@1, AUC, trajectories to <paramref name="referenceLevel"/> (omitted without a level) and last-10%
    /// entropy of each of <paramref name="buckets"/> buckets.
    /// </summary>
    public static IReadOnlyList<ReportMetric> For(ExperimentReportOptions options, int buckets, double? referenceLevel)
    {
        var metrics = new List<ReportMetric>();
        foreach (var split in options.Splits)
        {
            metrics.Add(PerPrompt(split, "pass@1", "pass@1", p => (double)p.Correct / p.Samples));
            foreach (var k in options.Ks.Where(k => k > 1).Distinct().Order())
                metrics.Add(PerPrompt(split, $"pass@{k}", $"pass@{k}", p => p.PassAtK.TryGetValue(k, out var v) ? v : k <= p.Samples
                    ? EvaluationMetrics.PassAtK(p.Samples, p.Correct, k) : null));
            metrics.Add(PerPrompt(split, "distinct_correct", "distinct-correct", p => p.DistinctCorrect));
            metrics.Add(PerPrompt(split, "greedy", "greedy", p => p.GreedyCorrect));
            foreach (var beta in options.Budgets.Distinct().Order())
                metrics.Add(PerPrompt(split, $"budget@{Format(beta)}", $"acc@{Format(beta)}·L", p => Budget(p, beta)));
        }
        metrics.Add(PerRun(FinalTrainPassName, "final train pass@1", c => c.FinalEvalPassAt1));
        metrics.Add(PerRun(AreaName, "AUC pass@1/traj.", c => c.AreaUnderPassAt1()));
        if (referenceLevel is { } level)
            metrics.Add(PerRun(TrajectoriesToReferenceName, "traj. to 90% ref", c => c.TrajectoriesToReach(level)));
        for (var b = 0; b < buckets; b++)
        {
            var bucket = b;
            metrics.Add(PerRun($"entropy_last10/b{b}", $"H last10% b{b}", c => c.EntropyLastTenPercent() is var h && bucket < h.Length
                ? h[bucket] : null));
        }
        return metrics;
    }

    /// <summary>β as written in metric names and eval files: shortest round-trip form, invariant culture (0.5, 1, 1.5).</summary>
    public static string Format(double beta) => beta.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// A metric name in canonical form, so that "rl-test/budget@1.0" in a plan names the same metric as "rl-test/budget@1".
    /// </summary>
    public static string Canonical(string name)
    {
        var at = name.LastIndexOf("budget@", StringComparison.Ordinal);
        if (at < 0 || !double.TryParse(name[(at + 7)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var beta)) return name.Trim();
        return name[..(at + 7)].Trim() + Format(beta);
    }

    private static ReportMetric PerPrompt(string split, string name, string label, Func<PromptResult, double?> value) =>
        new($"{split}/{name}", split, label, run =>
        {
            if (!run.Evaluations.TryGetValue(split, out var prompts) || prompts.Count == 0) return null;
            var values = new double[prompts.Count];
            for (var i = 0; i < prompts.Count; i++)
                if (value(prompts[i]) is { } v && double.IsFinite(v)) values[i] = v;
                else return null; // a metric the eval did not record for every prompt cannot be averaged or paired
            return values;
        });

    private static ReportMetric PerRun(string name, string label, Func<TrainingCurve, double?> value) =>
        new(name, TrainingGroup, label, run => run.Curve is { } c && value(c) is { } v && double.IsFinite(v) ? [v] : null);

    private static double? Budget(PromptResult p, double beta)
    {
        // Keys are parsed numbers, so "1" and "1.0" in the file both match β = 1.
        foreach (var (b, v) in p.BudgetCorrect)
            if (Math.Abs(b - beta) < 1e-9) return v;
        return null;
    }
}
