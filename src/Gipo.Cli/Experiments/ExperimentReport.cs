using System.Text;
using System.Text.Json.Nodes;
using Gipo.Model.Checkpoints;

namespace Gipo.Cli.Experiments;

/// <summary>
/// The aggregation step of <c>gipo experiment</c> (issue 10 §3, docs/algorithm.md §E.3–E.4): reads every
/// <c>runs/&lt;id&gt;/</c> folder of a plan's results and writes <c>runs.jsonl</c> (one line per run),
/// <c>table.md</c> and <c>table.csv</c> (mean and 95% CI per task, method and metric over seeds and prompts, and the
/// paired Δ against each baseline) and PNG figures under <c>plots/</c>. Runs that failed, are still running or were
/// never started show as missing counts; they never stop the report. Every file is written atomically.
/// </summary>
public static class ExperimentReport
{
    /// <summary>
    /// Reads <c>&lt;resultsDir&gt;/runs/*/</c> and writes the report into <paramref name="resultsDir"/> (the plan's
    /// <c>results/&lt;name&gt;</c> folder); returns the paths written. Malformed files throw
    /// <see cref="InvalidDataException"/> naming the file (and line); bad options throw <see cref="ArgumentException"/>.
    /// </summary>
    public static IReadOnlyList<string> Write(string resultsDir, ExperimentReportOptions options)
    {
        Validate(options);
        var warnings = new List<string>();
        var runsDir = Path.Combine(resultsDir, "runs");
        var runs = Directory.Exists(runsDir)
            ? Directory.GetDirectories(runsDir).Order(StringComparer.Ordinal).Select(d => RunOutputs.Load(d, options.Splits, warnings))
                .OfType<RunOutputs>().ToList()
            : [];
        if (!Directory.Exists(runsDir)) warnings.Add($"{runsDir} does not exist: no runs yet");

        var inPlan = runs.Where(r => options.Tasks.Contains(r.Record.Task) && options.Methods.Contains(r.Record.Method)).ToList();
        foreach (var r in runs.Except(inPlan))
            warnings.Add($"run {r.Record.Id} ({r.Record.Task} / {r.Record.Method}) is not in the plan's tasks × methods; listed in runs.jsonl only");
        foreach (var b in options.Baselines.Where(b => !options.Methods.Contains(b)))
            warnings.Add($"baseline {b} is not one of the plan's methods; no paired Δ against it");

        // "Planned" is the plan's seeds per method; without them, the seeds any run record names.
        var seeds = inPlan.Select(r => r.Record.Seed).Distinct().Order().ToList();
        var planned =
            options.Methods.ToDictionary(m => m, m => options.MethodSeeds?.GetValueOrDefault(m)?.Count ?? seeds.Count, StringComparer.Ordinal);
        var tasks = options.Tasks.Select(t => TaskResults.Build(t, inPlan.Where(r => r.Record.Task == t).ToList(), options, planned)).ToList();

        var measured = tasks.SelectMany(t => t.Metrics).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var primary = options.PrimaryMetrics.Select(ReportMetric.Canonical).ToHashSet(StringComparer.Ordinal);
        foreach (var p in primary.Where(p => !measured.Contains(p)))
            warnings.Add($"primary metric {p} is not a metric of this report (names: <split>/pass@<k>, <split>/distinct_correct, <split>/greedy, " +
                         $"<split>/budget@<beta>, {ReportMetric.AreaName}, entropy_last10/b<k>, …)");

        Directory.CreateDirectory(resultsDir);
        var written = new List<string>();
        var runsPath = Path.Combine(resultsDir, "runs.jsonl");
        AtomicFile.WriteText(runsPath, RunsJsonl(runs, tasks, options));
        written.Add(runsPath);

        var header = Header(options, inPlan, seeds, planned, primary, warnings);
        var mdPath = Path.Combine(resultsDir, "table.md");
        AtomicFile.WriteText(mdPath, ReportTables.Markdown(options, tasks, primary, header));
        written.Add(mdPath);
        var csvPath = Path.Combine(resultsDir, "table.csv");
        AtomicFile.WriteText(csvPath, ReportTables.Csv(tasks, primary));
        written.Add(csvPath);

        var plotDir = Path.Combine(resultsDir, "plots");
        Directory.CreateDirectory(plotDir);
        foreach (var t in tasks) written.AddRange(ReportPlots.Render(t, options, plotDir));
        return written;
    }

    private static void Validate(ExperimentReportOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Name)) throw new ArgumentException("experiment report: the plan name is empty");
        if (o.Methods.Count == 0) throw new ArgumentException("experiment report: the plan has no methods");
        if (o.Tasks.Count == 0) throw new ArgumentException("experiment report: the plan has no tasks");
        foreach (var (list, what) in new[] { (o.Methods, "method"), (o.Tasks, "task"), (o.Splits, "split") })
            if (list.GroupBy(x => x).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
                throw new ArgumentException($"experiment report: {what} '{duplicate.Key}' is listed twice");
        foreach (var k in o.Ks.Where(k => k < 1))
            throw new ArgumentException($"experiment report: pass@k needs k >= 1 (got {k})");
        foreach (var beta in o.Budgets.Where(b => !(b > 0) || !double.IsFinite(b)))
            throw new ArgumentException($"experiment report: token-budget multipliers must be positive (got {beta})");
        if (o.BootstrapResamples < 1) throw new ArgumentException($"experiment report: bootstrap resamples must be >= 1 " +
                                                                  $"(got {o.BootstrapResamples})");
    }

    private static List<string> Header(ExperimentReportOptions o, IReadOnlyList<RunOutputs> inPlan, IReadOnlyList<int> seeds,
        IReadOnlyDictionary<string, int> plannedSeeds, ISet<string> primary, IReadOnlyList<string> warnings)
    {
        var planned = o.Tasks.Count * plannedSeeds.Values.Sum();
        int Count(string status) => inPlan.Count(r => r.Record.Status == status);
        var started = inPlan.Select(r => (r.Record.Task, r.Record.Method, r.Record.Seed)).Distinct().Count();
        var lines = new List<string>
        {
            $"Runs: {Count("finished")}/{planned} finished (planned = {o.Tasks.Count} tasks × " +
            (o.MethodSeeds is null ? $"{o.Methods.Count} methods × {seeds.Count} seeds [{string.Join(", ", seeds)}], the seeds named by run records"
                : $"the plan's seeds per method: {string.Join(", ", o.Methods.Select(m => $"{m} {plannedSeeds[m]}"))}") +
            $"); {Count("failed")} failed, {Count("running")} running, " +
            $"{Math.Max(0, planned - started)} without a run record. Only finished runs are aggregated; " +
            $"a cell's count is seeds with the metric / planned.",
            $"Statistics: mean over seeds and prompts [95% percentile bootstrap CI], hierarchical: resample seeds with replacement, then prompts " +
            $"within each drawn seed; {o.BootstrapResamples} resamples, RNG seed {o.BootstrapSeed}. Run-level metrics " +
            $"(training group) resample seeds only. " +
            "Std over seeds is in table.csv.",
            "Paired Δ = method − baseline: same seed, same prompt; each resample applies one seed and prompt draw to both sides; " +
            $"p = fraction of resamples with Δ ≤ 0 (one-sided; resolution 1/{o.BootstrapResamples}). For trajectories-to-reach lower is better, " +
            "so there a p near 1 favours the method.",
            "Primary metrics (pre-registered, ★): " + (primary.Count == 0 ? "none" : string.Join(", ", primary)) + ".",
            $"Sample efficiency: {ReportMetric.AreaName} = trapezoid area of training eval pass@1 against cumulative trajectories generated " +
            "(samples_total) over the run's evaluation points, divided by the trajectory range; \"traj. to 90% ref\" = trajectories at which " +
            "training eval pass@1 first reaches 90% of the reference method's mean final training eval pass@1 (linear interpolation), " +
            "over the seeds that reach it. Entropy: mean of bucket_entropy over the last 10% of logged steps.",
            "Per-run values, training summary and mechanism numbers (multiplier maxima, final ρ, mean AUROC, sign flips): runs.jsonl.",
        };
        lines.AddRange(warnings.Select(w => $"Warning: {w}"));
        return lines;
    }

    private static string RunsJsonl(IReadOnlyList<RunOutputs> runs, IReadOnlyList<TaskResults> tasks, ExperimentReportOptions options)
    {
        int Index(IReadOnlyList<string> list, string item) => list.Contains(item) ? list.ToList().IndexOf(item) : int.MaxValue;
        var ordered = runs.OrderBy(r => Index(options.Tasks, r.Record.Task)).ThenBy(r => Index(options.Methods, r.Record.Method))
            .ThenBy(r => r.Record.Seed).ThenBy(r => r.Record.Id, StringComparer.Ordinal);
        var text = new StringBuilder();
        foreach (var run in ordered)
        {
            var r = run.Record;
            var metrics = tasks.FirstOrDefault(t => t.Task == r.Task)?.Metrics ?? ReportMetric.For(options, run.Curve?.Buckets ?? 0, null);
            var values = new JsonObject();
            foreach (var m in metrics) values[m.Name] = m.Values(run) is { } v ? v.Average() : null;
            var curve = run.Curve;
            var line = new JsonObject
            {
                ["id"] = r.Id, ["task"] = r.Task, ["method"] = r.Method, ["seed"] = r.Seed, ["status"] = r.Status,
                ["exit_code"] = r.ExitCode, ["wall_seconds"] = r.WallSeconds, ["config_sha256"] = r.ConfigSha256, ["sft_hash"] = r.SftHash,
                ["prompts"] = new JsonObject(run.Evaluations.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value.Count))),
                ["metrics"] = values,
                ["training"] = curve is null ? null : new JsonObject
                {
                    ["last_step"] = curve.LastStep, ["samples_total"] = curve.LastSamplesTotal, ["eval_points"] = curve.EvaluationPoints.Count,
                    ["eval_pass_at_1_start"] = curve.FirstEvalPassAt1, ["eval_pass_at_1_final"] = curve.FinalEvalPassAt1,
                    ["entropy_last10"] = new JsonArray([.. curve.EntropyLastTenPercent().Select(h => h is { } d ? JsonValue.Create(d) : null)]),
                },
                ["mechanism"] = curve?.Mechanism(),
                ["train_result"] = r.TrainResult?.DeepClone(),
            };
            text.Append(line.ToJsonString()).Append('\n');
        }
        return text.ToString();
    }
}
