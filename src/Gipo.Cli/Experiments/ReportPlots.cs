using Gipo.Model.Checkpoints;
using ScottPlot;

namespace Gipo.Cli.Experiments;

/// <summary>
/// PNG figures of one task (docs/algorithm.md §E.4), in the style of <c>MetricsPlots</c>: pass@1 against
/// trajectories generated (mean over seeds, band = min–max over seeds), pass@k against k on a log2 axis (band = 95% CI),
/// per method the entropy of each step bucket over training with its targets and, where logged, its multipliers, and
/// the IB probe's AUROC and gate ρ over training. Seeds are aligned by learner step, which is shared by every run of
/// a plan. Figures without data are not written. Files are replaced atomically.
/// </summary>
internal static class ReportPlots
{
    private const int Width = 900, Height = 500;

    public static IReadOnlyList<string> Render(TaskResults task, ExperimentReportOptions options, string dir)
    {
        var written = new List<string>();
        var prefix = FileSafe(task.Task);
        written.AddRange(PassAt1VsTrajectories(task, Path.Combine(dir, $"{prefix}.pass1-vs-trajectories.png")));
        foreach (var split in options.Splits)
            written.AddRange(PassAtK(task, options, split, Path.Combine(dir, $"{prefix}.pass-at-k.{FileSafe(split)}.png")));
        foreach (var method in task.Methods)
        {
            written.AddRange(EntropyBuckets(task, method, Path.Combine(dir, $"{prefix}.entropy.{FileSafe(method)}.png")));
            written.AddRange(Multipliers(task, method, Path.Combine(dir, $"{prefix}.multipliers.{FileSafe(method)}.png")));
        }
        written.AddRange(ProbeTrust(task, Path.Combine(dir, $"{prefix}.auroc-rho.png")));
        return written;
    }

    private static IEnumerable<string> PassAt1VsTrajectories(TaskResults task, string path)
    {
        var plot = NewPlot($"{task.Task}: evaluation pass@1 against trajectories generated (band: min–max over seeds)",
                           "trajectories generated (samples_total)", "pass@1");
        var any = false;
        foreach (var (method, color) in MethodColors(task, plot))
        {
            var points = task.Finished(method).Where(r => r.Curve is not null)
                .SelectMany(r => r.Curve!.EvaluationPoints).GroupBy(p => p.Step).OrderBy(g => g.Key)
                .Select(g =>
                    (X: g.Average(p => p.Trajectories), Y: g.Average(p => p.PassAt1), Lo: g.Min(p => p.PassAt1), Hi: g.Max(p => p.PassAt1))).ToList();
            if (points.Count == 0) continue;
            any = true;
            Band(plot, points.Select(p => p.X), points.Select(p => p.Lo), points.Select(p => p.Hi), color);
            Line(plot, points.Select(p => p.X), points.Select(p => p.Y), method, color);
        }
        return any ? [Save(plot, path, legend: true)] : [];
    }

    private static IEnumerable<string> PassAtK(TaskResults task, ExperimentReportOptions options, string split, string path)
    {
        var ks = options.Ks.Append(1).Where(k => k >= 1).Distinct().Order().ToList();
        var plot = NewPlot($"{task.Task} / {split}: pass@k against k (band: 95% bootstrap CI)", "k (log2 scale)", "pass@k");
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var k in ks) ticks.AddMajor(Math.Log2(k), k.ToString(System.Globalization.CultureInfo.InvariantCulture));
        plot.Axes.Bottom.TickGenerator = ticks;
        var any = false;
        foreach (var (method, color) in MethodColors(task, plot))
        {
            var points = ks.Select(k => (K: k, A: task.Aggregate(method, $"{split}/pass@{k}")?.Interval)).Where(p => p.A is not null).ToList();
            if (points.Count == 0) continue;
            any = true;
            var x = points.Select(p => Math.Log2(p.K)).ToList();
            if (points.Count > 1) Band(plot, x, points.Select(p => p.A!.Lower), points.Select(p => p.A!.Upper), color);
            Line(plot, x, points.Select(p => p.A!.Estimate), method, color);
        }
        return any ? [Save(plot, path, legend: true)] : [];
    }

    private static IEnumerable<string> EntropyBuckets(TaskResults task, string method, string path)
    {
        var runs = task.Finished(method).Where(r => r.Curve is not null).ToList();
        var buckets = runs.Select(r => r.Curve!.Buckets).DefaultIfEmpty(0).Max();
        if (buckets == 0) return [];
        var plot = NewPlot($"{task.Task} / {method}: entropy per step bucket (solid, mean over seeds), GSEC targets (dashed), " +
                           $"upper bounds (dotted)", "learner step", "nats");
        for (var b = 0; b < buckets; b++)
        {
            var color = plot.Add.Palette.GetColor(b);
            var entropy = MeanOverSeeds(runs, "bucket_entropy", b);
            Line(plot, entropy.Steps, entropy.Mean, $"H̄ b{b}", color);
            var target = MeanOverSeeds(runs, "bucket_target", b);
            if (target.Steps.Length > 0) Line(plot, target.Steps, target.Mean, $"target b{b}", color, LinePattern.Dashed);
            var upper = MeanOverSeeds(runs, "bucket_upper", b);
            if (upper.Steps.Length > 0 && upper.Mean.Any(u => u > 0)) Line(plot, upper.Steps, upper.Mean, $"upper b{b}", color, LinePattern.Dotted);
        }
        return [Save(plot, path, legend: true)];
    }

    private static IEnumerable<string> Multipliers(TaskResults task, string method, string path)
    {
        var runs = task.Finished(method).Where(r => r.Curve is not null).ToList();
        var keys = runs.SelectMany(r => r.Curve!.MultiplierKeys).Distinct().Order(StringComparer.Ordinal).ToList();
        var plot = NewPlot($"{task.Task} / {method}: GSEC multipliers per bucket (mean over seeds)", "learner step", "multiplier");
        var any = false;
        LinePattern[] patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];
        foreach (var (key, k) in keys.Select((key, k) => (key, k)))
        {
            var buckets = runs.Select(r => r.Curve!.ArrayLength(key)).DefaultIfEmpty(0).Max();
            for (var b = 0; b < buckets; b++)
            {
                var series = MeanOverSeeds(runs, key, b);
                if (series.Steps.Length == 0) continue;
                any = true;
                Line(plot, series.Steps, series.Mean, $"{key["bucket_".Length..]} b{b}", plot.Add.Palette.GetColor(b), patterns[k % patterns.Length]);
            }
        }
        return any ? [Save(plot, path, legend: true)] : [];
    }

    private static IEnumerable<string> ProbeTrust(TaskResults task, string path)
    {
        var plot = NewPlot($"{task.Task}: IB probe AUROC (solid) and trust gate ρ (dashed), mean over seeds", "learner step", "value");
        var any = false;
        foreach (var (method, color) in MethodColors(task, plot))
        {
            var runs = task.Finished(method).Where(r => r.Curve is not null).ToList();
            var aurocKeys = runs.SelectMany(r => r.Curve!.MechanismScalarKeys).Where(k => k.Contains("auroc", StringComparison.Ordinal)).Distinct()
                .Order(StringComparer.Ordinal).ToList();
            foreach (var (key, pattern) in aurocKeys.Select((k, i) => (k, i == 0 ? LinePattern.Solid : LinePattern.Dotted))
                .Append(("ib_rho", LinePattern.Dashed)))
            {
                var series = MeanOverSeeds(runs, key, null);
                if (series.Steps.Length == 0) continue;
                any = true;
                Line(plot, series.Steps, series.Mean, $"{method} {key}", color, pattern);
            }
        }
        return any ? [Save(plot, path, legend: true)] : [];
    }

    /// <summary>Mean over runs of a key at each learner step any run logged it.</summary>
    private static (double[] Steps, double[] Mean) MeanOverSeeds(IEnumerable<RunOutputs> runs, string key, int? index)
    {
        var byStep = runs.Select(r => r.Curve!.Series(key, index)).SelectMany(s => s.Steps.Zip(s.Values, (step, value) => (Step: step, Value: value)))
            .GroupBy(p => p.Step).OrderBy(g => g.Key).ToList();
        return ([.. byStep.Select(g => g.Key)], [.. byStep.Select(g => g.Average(p => p.Value))]);
    }

    /// <summary>One colour per method, by its place in the plan, so a method keeps its colour across figures.</summary>
    private static IEnumerable<(string Method, Color Color)> MethodColors(TaskResults task, Plot plot) =>
        task.Methods.Select((m, i) => (m, plot.Add.Palette.GetColor(i)));

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    private static void Line(Plot plot, IEnumerable<double> x, IEnumerable<double> y, string label, Color color, LinePattern? pattern = null)
    {
        var xs = x.ToArray();
        var s = plot.Add.Scatter(xs, y.ToArray());
        s.LegendText = label;
        s.Color = color;
        s.MarkerSize = xs.Length > 60 ? 0 : 4;
        if (pattern is { } p) s.LinePattern = p;
    }

    private static void Band(Plot plot, IEnumerable<double> x, IEnumerable<double> low, IEnumerable<double> high, Color color)
    {
        var fill = plot.Add.FillY(x.ToArray(), low.ToArray(), high.ToArray());
        fill.FillColor = color.WithAlpha(0.2);
        fill.LineWidth = 0;
    }

    private static string Save(Plot plot, string path, bool legend)
    {
        if (legend) plot.ShowLegend(Alignment.LowerRight);
        AtomicFile.Write(path, stream => stream.Write(plot.GetImageBytes(Width, Height, ImageFormat.Png)));
        return path;
    }

    /// <summary>Task and method names in file names: anything but letters, digits, '-', '_' and '.' becomes '_'.</summary>
    private static string FileSafe(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
