using Gipo.Core.Experiments;

namespace Gipo.Cli.Experiments;

/// <summary>
/// The aggregated results of one task: its runs by method (plan order), the metrics, per (method, metric) the mean,
/// std and bootstrap interval over finished seeds, and per (method, baseline, metric) the paired Δ.
/// </summary>
internal sealed class TaskResults
{
    public required string Task { get; init; }
    public required IReadOnlyList<string> Methods { get; init; }
    public required IReadOnlyDictionary<string, IReadOnlyList<RunOutputs>> RunsByMethod { get; init; }
    public required IReadOnlyList<ReportMetric> Metrics { get; init; }
    public required IReadOnlyList<MetricAggregate> Aggregates { get; init; }
    public required IReadOnlyList<DeltaAggregate> Deltas { get; init; }
    /// <summary>Seeds planned per method.</summary>
    public required IReadOnlyDictionary<string, int> PlannedSeeds { get; init; }

    /// <summary>The method whose final pass@1 sets the "trajectories to 90%" level, and that level; null without one.</summary>
    public string? ReferenceMethod { get; init; }

    public double? ReferenceLevel { get; init; }

    /// <summary>Finished runs of <paramref name="method"/>, ordered by seed.</summary>
    public IReadOnlyList<RunOutputs> Finished(string method) =>
        RunsByMethod.TryGetValue(method, out var runs) ? runs.Where(r => r.Record.Finished).OrderBy(r => r.Record.Seed).ToList() : [];

    public MetricAggregate? Aggregate(string method, string metric) => Aggregates.FirstOrDefault(a => a.Method == method && a.Metric == metric);

    /// <summary>
    /// Aggregates the <paramref name="runs"/> of <paramref name="task"/> (any status; only finished ones count).
    /// The reference method is "grpo" when the plan has it, else the first baseline (§E.3 "90% of GRPO's final pass@1").
    /// Paired comparisons check that both sides evaluated the same prompts in the same order and throw naming both files
    /// if not, since pairing different prompts would give a wrong Δ silently.
    /// </summary>
    public static TaskResults Build(string task, IReadOnlyList<RunOutputs> runs, ExperimentReportOptions options,
                                    IReadOnlyDictionary<string, int> plannedSeeds)
    {
        var byMethod = options.Methods.ToDictionary(m => m,
            m => (IReadOnlyList<RunOutputs>)runs.Where(r => r.Record.Method == m).OrderBy(r => r.Record.Seed).ToList(), StringComparer.Ordinal);
        foreach (var (method, list) in byMethod)
            foreach (var duplicate in list.Where(r => r.Record.Finished).GroupBy(r => r.Record.Seed).Where(g => g.Count() > 1))
                throw new InvalidDataException($"task {task}, method {method}, seed {duplicate.Key}: several finished runs " +
                                               $"({string.Join(", ", duplicate.Select(r => r.Folder))}); keep one");

        var reference = options.Methods.FirstOrDefault(m => string.Equals(m, "grpo", StringComparison.OrdinalIgnoreCase))
                        ?? options.Baselines.FirstOrDefault(options.Methods.Contains);
        var referenceFinals = reference is null ? [] : Finished(byMethod, reference).Select(r => r.Curve?.FinalEvalPassAt1).OfType<double>().ToList();
        double? level = referenceFinals.Count > 0 ? ReportMetric.ReferenceFraction * referenceFinals.Average() : null;

        var buckets = runs.Select(r => r.Curve?.Buckets ?? 0).DefaultIfEmpty(0).Max();
        var metrics = ReportMetric.For(options, buckets, level);
        var settings = new BootstrapSettings(options.BootstrapResamples, options.BootstrapSeed);

        var aggregates = new List<MetricAggregate>();
        foreach (var method in options.Methods)
        {
            var finished = Finished(byMethod, method);
            foreach (var metric in metrics)
            {
                var values = finished.Select(metric.Values).OfType<IReadOnlyList<double>>().ToList();
                aggregates.Add(values.Count == 0
                    ? new MetricAggregate(metric.Name, method, 0, plannedSeeds[method], null, null)
                    : new MetricAggregate(metric.Name, method, values.Count, plannedSeeds[method], SeedSummary.Of(values),
                                          HierarchicalBootstrap.Mean(values, settings)));
            }
        }

        var deltas = new List<DeltaAggregate>();
        foreach (var baseline in options.Baselines.Where(options.Methods.Contains))
        {
            var baseRuns = Finished(byMethod, baseline).ToDictionary(r => r.Record.Seed);
            foreach (var method in options.Methods.Where(m => m != baseline))
            {
                var pairs = Finished(byMethod, method).Where(r => baseRuns.ContainsKey(r.Record.Seed))
                    .Select(r => (Method: r, Baseline: baseRuns[r.Record.Seed])).ToList();
                foreach (var (m, b) in pairs) CheckSamePrompts(m, b, options.Splits);
                foreach (var metric in metrics)
                {
                    var paired = pairs.Select(p => (M: metric.Values(p.Method), B: metric.Values(p.Baseline)))
                        .Where(p => p.M is not null && p.B is not null).ToList();
                    deltas.Add(new DeltaAggregate(metric.Name, method, baseline, paired.Count, paired.Count == 0 ? null
                        : HierarchicalBootstrap.Paired(paired.Select(p => p.M!).ToList(), paired.Select(p => p.B!).ToList(), settings)));
                }
            }
        }

        return new TaskResults
        {
            Task = task, Methods = options.Methods, RunsByMethod = byMethod, Metrics = metrics, Aggregates = aggregates, Deltas = deltas,
            PlannedSeeds = plannedSeeds, ReferenceMethod = reference, ReferenceLevel = level,
        };
    }

    private static List<RunOutputs> Finished(IReadOnlyDictionary<string, IReadOnlyList<RunOutputs>> byMethod, string method) =>
        byMethod[method].Where(r => r.Record.Finished).ToList();

    private static void CheckSamePrompts(RunOutputs method, RunOutputs baseline, IReadOnlyList<string> splits)
    {
        foreach (var split in splits)
        {
            if (!method.Evaluations.TryGetValue(split, out var m) || !baseline.Evaluations.TryGetValue(split, out var b)) continue;
            var firstDifference = Enumerable.Range(0, Math.Min(m.Count, b.Count)).Cast<int?>()
                .FirstOrDefault(i => m[i!.Value].PromptIndex != b[i.Value].PromptIndex || m[i.Value].Prompt != b[i.Value].Prompt);
            if (m.Count != b.Count || firstDifference is not null)
                throw new InvalidDataException(
                    $"{method.EvaluationPath(split)} and {baseline.EvaluationPath(split)} do not evaluate the same prompts in the same order " +
                    (firstDifference is { } i ? $"(line {i + 1} differs)" : $"({m.Count} vs {b.Count} lines)") + "; paired comparison impossible");
        }
    }
}
