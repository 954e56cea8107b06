using System.Globalization;
using System.Text;

namespace Gipo.Cli.Experiments;

/// <summary>
/// table.md (for people: per task and group, one row per method with mean [95% CI], then paired Δ per baseline) and
/// table.csv (for scripts: one row per (task, method, metric) and per (task, method, baseline, metric), long format,
/// so tasks with different bucket counts share one header).
/// </summary>
internal static class ReportTables
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public const string CsvHeader = "table,task,group,metric,primary,method,baseline,n,planned,mean,std,ci_low,ci_high,p_delta_le_0";

    public static string Csv(IReadOnlyList<TaskResults> tasks, ISet<string> primary)
    {
        var csv = new StringBuilder(CsvHeader).Append('\n');
        foreach (var t in tasks)
        {
            var groups = t.Metrics.ToDictionary(m => m.Name, m => m.Group);
            foreach (var a in t.Aggregates)
                Row(csv, "method", t.Task, groups[a.Metric], a.Metric, primary.Contains(a.Metric), a.Method, "", a.Seeds, a.Planned,
                    a.Interval?.Estimate, a.Summary?.Std, a.Interval?.Lower, a.Interval?.Upper, null);
            foreach (var d in t.Deltas)
                Row(csv, "delta", t.Task, groups[d.Metric], d.Metric, primary.Contains(d.Metric), d.Method, d.Baseline, d.Pairs,
                    Math.Min(t.PlannedSeeds[d.Method], t.PlannedSeeds[d.Baseline]),
                    d.Difference?.Delta.Estimate, null, d.Difference?.Delta.Lower, d.Difference?.Delta.Upper, d.Difference?.FractionAtOrBelowZero);
        }
        return csv.ToString();
    }

    public static string Markdown(ExperimentReportOptions options, IReadOnlyList<TaskResults> tasks, ISet<string> primary,
                                  IReadOnlyList<string> header)
    {
        var md = new StringBuilder($"# Experiment `{options.Name}`\n\n");
        foreach (var line in header) md.Append("- ").Append(line).Append('\n');
        foreach (var t in tasks)
        {
            md.Append($"\n## Task `{t.Task}`\n\n");
            md.Append(t.ReferenceLevel is { } level
                ? $"Trajectories-to-reach level: {Number(level)} = {ReportMetric.ReferenceFraction:0%} of `{t.ReferenceMethod}`'s mean final " +
                  $"training pass@1.\n"
                : $"Trajectories-to-reach level: none (no finished run of " +
                  $"{(t.ReferenceMethod is null ? "a reference method" : $"`{t.ReferenceMethod}`")} with an evaluation).\n");
            foreach (var group in t.Metrics.Select(m => m.Group).Distinct())
            {
                var metrics = t.Metrics.Where(m => m.Group == group).ToList();
                var columns = metrics.Select(m => m.Label + (primary.Contains(m.Name) ? " ★" : "")).ToList();
                md.Append($"\n### {group}\n\n");
                md.Append("| method | runs | ").AppendJoin(" | ", columns).Append(" |\n|---|---|").Append(string.Concat(columns.Select(_ => "---|")))
                    .Append('\n');
                foreach (var method in t.Methods)
                {
                    var finished = t.Finished(method).Count;
                    md.Append($"| {method} | {finished}/{t.PlannedSeeds[method]} | ");
                    md.AppendJoin(" | ", metrics.Select(m => Cell(t.Aggregate(method, m.Name)!, finished))).Append(" |\n");
                }
                foreach (var baseline in t.Deltas.Select(d => d.Baseline).Distinct())
                {
                    md.Append($"\nPaired Δ = method − `{baseline}`: Δ [95% CI] p, p = P(Δ ≤ 0) over resamples.\n\n");
                    md.Append("| method | pairs | ").AppendJoin(" | ", columns).Append(" |\n|---|---|")
                        .Append(string.Concat(columns.Select(_ => "---|"))).Append('\n');
                    foreach (var method in t.Methods.Where(m => m != baseline))
                    {
                        var cells =
                            metrics.Select(m => t.Deltas.First(d => d.Baseline == baseline && d.Method == method && d.Metric == m.Name)).ToList();
                        var pairs = cells.Max(c => c.Pairs);
                        md.Append($"| {method} | {pairs} | ").AppendJoin(" | ", cells.Select(c => DeltaCell(c, pairs))).Append(" |\n");
                    }
                }
            }
        }
        return md.ToString();
    }

    /// <summary>"mean [lo, hi]", with the seed count when fewer seeds than finished runs have the metric; "– (n/planned)" when none.</summary>
    private static string Cell(MetricAggregate a, int finished)
    {
        if (a.Interval is not { } ci) return $"– ({a.Seeds}/{a.Planned})";
        var n = a.Seeds < finished ? $" (n={a.Seeds})" : "";
        return $"{Number(ci.Estimate)} [{Number(ci.Lower)}, {Number(ci.Upper)}]{n}";
    }

    /// <summary>"Δ [lo, hi] p=…", with the pair count when fewer pairs than the row's have the metric; "– (0 pairs)" when none.</summary>
    private static string DeltaCell(DeltaAggregate d, int rowPairs)
    {
        if (d.Difference is not { } diff) return $"– ({d.Pairs} pairs)";
        var n = d.Pairs < rowPairs ? $" (n={d.Pairs})" : "";
        return $"{Number(diff.Delta.Estimate, signed: true)} [{Number(diff.Delta.Lower, signed: true)}, {Number(diff.Delta.Upper, signed: true)}] " +
               $"p={diff.FractionAtOrBelowZero.ToString("0.000", Invariant)}{n}";
    }

    /// <summary>Three decimals for rates and entropies; whole numbers for trajectory counts.</summary>
    private static string Number(double v, bool signed = false)
    {
        var format = Math.Abs(v) >= 100 ? "0" : "0.000";
        return v.ToString(signed ? $"+{format};-{format};{format}" : format, Invariant);
    }

    private static void Row(StringBuilder csv, string table, string task, string group, string metric, bool primary, string method, string baseline,
        int n, int planned, double? mean, double? std, double? low, double? high, double? p)
    {
        string[] cells =
        [
            table, task, group, metric, primary ? "true" : "false", method, baseline, n.ToString(Invariant), planned.ToString(Invariant),
            Raw(mean), Raw(std), Raw(low), Raw(high), Raw(p),
        ];
        csv.AppendJoin(',', cells.Select(Quote)).Append('\n');
    }

    private static string Raw(double? v) => v is { } d && double.IsFinite(d) ? d.ToString("R", Invariant) : "";

    /// <summary>RFC 4180 quoting, needed only if a plan names a task or method with a comma or quote.</summary>
    private static string Quote(string cell) => cell.IndexOfAny([',', '"', '\n']) < 0 ? cell : $"\"{cell.Replace("\"", "\"\"")}\"";
}
