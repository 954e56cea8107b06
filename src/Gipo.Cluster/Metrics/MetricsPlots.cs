using System.Text.Json;
using Gipo.Model.Checkpoints;
using ScottPlot;

namespace Gipo.Cluster.Metrics;

/// <summary>
/// PNG plots of a run's <c>*.jsonl</c> metrics, for a person to look at: each figure is one quantity (or a
/// family, e.g. entropy per step bucket with its targets) against the learner step. Files are replaced
/// atomically, so a viewer never sees half a PNG while a run is writing.
/// </summary>
public static class MetricsPlots
{
    private const int Width = 900, Height = 500;

    /// <summary>Figures of a <c>gipo sft</c> log: loss and held-out pass@1.</summary>
    public static IReadOnlyList<string> RenderSft(string jsonlPath, string outputDir)
    {
        var rows = Read(jsonlPath);
        return
        [
            Figure(outputDir, "sft-loss.png", "SFT loss (response tokens)", "loss", [Series("loss", rows, "loss")]),
            Figure(outputDir, "sft-pass-at-1.png", "Held-out pass@1 during SFT", "pass@1", [Series("pass@1", rows, "eval_pass_at_1")]),
        ];
    }

    /// <summary>
    /// Figures of a <c>gipo train</c> log: reward, pass@1, entropy per bucket with targets and multipliers, the entropy
    /// term's weight in the update, IB trust (overall and within-group AUROC, ρ), AUROC by step position, IB credit,
    /// clipping, staleness and throughput.
    /// </summary>
    public static IReadOnlyList<string> RenderTrain(string jsonlPath, string outputDir)
    {
        var rows = Read(jsonlPath);
        var buckets = ArrayLength("bucket_entropy", rows);
        var positions = ArrayLength("ib_auroc_by_step", rows);
        var entropy = Enumerable.Range(0, buckets).SelectMany(b => new[]
        {
            Series($"H̄ b{b}", rows, "bucket_entropy", b) with { Color = b + 1 },
            Series($"target b{b}", rows, "bucket_target", b) with { Dashed = true, Color = b + 1 },
        }).ToList();
        return
        [
            Figure(outputDir, "reward.png", "Mean reward of trained groups", "reward", [Series("reward", rows, "reward_mean")]),
            Figure(outputDir, "pass-at-1.png", "Held-out pass@1", "pass@1", [Series("pass@1", rows, "eval_pass_at_1")]),
            Figure(outputDir, "entropy-buckets.png", "Entropy per step bucket (solid) and GSEC targets (dashed)", "nats",
                [Series("token mean", rows, "token_entropy") with { Color = 0 }, .. entropy]),
            Figure(outputDir, "entropy-multipliers.png", "GSEC multipliers α_b (solid) and upper-bound ν_b (dashed)", "multiplier",
                Enumerable.Range(0, buckets).SelectMany(b => new[]
                {
                    Series($"α b{b}", rows, "bucket_alpha", b) with { Color = b + 1 },
                    Series($"ν b{b}", rows, "bucket_nu", b) with { Dashed = true, Color = b + 1 },
                }).ToList()),
            Figure(outputDir, "entropy-term.png", "Entropy term L_B and its share of the gradient norm (first minibatch)", "value",
                [Series("L_B", rows, "entropy_term"), Series("‖∇L_B‖/‖∇L‖", rows, "entropy_grad_share")]),
            Figure(outputDir, "ib-trust.png", "IB probe: out-of-sample AUROC (batch, within group), EMA and gate ρ", "value",
                [Series("AUROC (batch)", rows, "ib_auroc"), Series("AUROC within group", rows, "ib_auroc_within_group"),
                 Series("AUROC EMA", rows, "ib_auc_ema"), Series("ρ", rows, "ib_rho")]),
            Figure(outputDir, "ib-auroc-by-step.png", "IB probe: out-of-sample AUROC by step position (last pools k ≥ K_B)", "AUROC",
                Enumerable.Range(0, positions).Select(k => Series($"k = {k + 1}", rows, "ib_auroc_by_step", k)).ToList()),
            Figure(outputDir, "ib-credit.png", "IB credit Ā^IB of failing and succeeding samples, and advantage sign flips", "value",
                [Series("failing", rows, "ib_credit_failing"), Series("succeeding", rows, "ib_credit_succeeding"),
                 Series("sign-flip fraction", rows, "ib_sign_flip")]),
            Figure(outputDir, "clipping.png", "Clip fractions and importance-weight drift", "fraction",
                [Series("clip high", rows, "clip_frac_high"), Series("clip low", rows, "clip_frac_low"),
                 Series("mean |w−1|", rows, "is_weight_mean_abs_dev")]),
            Figure(outputDir, "staleness.png", "Staleness of trained groups (versions behind the learner)", "versions",
                [Series("mean", rows, "staleness_mean"), Series("max", rows, "staleness_max")]),
            Figure(outputDir, "throughput.png",
                   "Generated samples per second (run average and since the previous step) and learner idle fraction", "value",
                [Series("samples/s, run average", rows, "samples_per_second"), Series("samples/s, recent", rows, "samples_per_second_recent"),
                 Series("learner idle fraction", rows, "learner_idle_fraction")]),
        ];
    }

    /// <summary>The longest array under <paramref name="key"/> in any row (0 when none has one).</summary>
    private static int ArrayLength(string key, IReadOnlyList<JsonElement> rows) =>
        rows.Select(r => r.TryGetProperty(key, out var a) && a.ValueKind == JsonValueKind.Array ? a.GetArrayLength() : 0).DefaultIfEmpty(0).Max();

    /// <param name="Color">Palette index; lines sharing one (a bucket's entropy and its target) share a colour.</param>
    private sealed record Line(string Label, double[] X, double[] Y, bool Dashed = false, int? Color = null);

    private static Line Series(string label, IReadOnlyList<JsonElement> rows, string key, int? index = null)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var r in rows)
        {
            if (!r.TryGetProperty(key, out var v) || !r.TryGetProperty("step", out var step)) continue;
            if (index is { } i)
            {
                if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() <= i) continue;
                v = v[i];
            }
            if (v.ValueKind != JsonValueKind.Number) continue; // null: not measured at this step
            xs.Add(step.GetDouble());
            ys.Add(v.GetDouble());
        }
        return new Line(label, [.. xs], [.. ys]);
    }

    private static string Figure(string dir, string file, string title, string yLabel, IReadOnlyList<Line> lines)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("learner step");
        plot.YLabel(yLabel);
        foreach (var line in lines.Where(l => l.X.Length > 0))
        {
            var s = plot.Add.Scatter(line.X, line.Y);
            s.LegendText = line.Label;
            s.MarkerSize = line.X.Length > 60 ? 0 : 4;
            if (line.Dashed) s.LinePattern = LinePattern.Dashed;
            if (line.Color is { } c) s.Color = plot.Add.Palette.GetColor(c);
        }
        if (lines.Count(l => l.X.Length > 0) > 1) plot.ShowLegend(Alignment.UpperRight);
        var path = Path.Combine(dir, file);
        AtomicFile.Write(path, stream => stream.Write(plot.GetImageBytes(Width, Height, ImageFormat.Png)));
        return path;
    }

    private static List<JsonElement> Read(string path)
    {
        var rows = new List<JsonElement>();
        foreach (var (line, number) in File.ReadLines(path).Select((l, i) => (l, i + 1)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                rows.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
            catch (JsonException e)
            {
                // A run killed mid-write leaves a partial last line; anything else is a corrupt log.
                if (number == File.ReadLines(path).Count()) break;
                throw new InvalidDataException($"{path}:{number}: not a JSON object ({e.Message})", e);
            }
        }
        return rows;
    }
}
