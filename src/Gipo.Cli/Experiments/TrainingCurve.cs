using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Core.Experiments;

namespace Gipo.Cli.Experiments;

/// <summary>
/// A run's <c>metrics.jsonl</c> (one object per learner step, see <c>LearnerMetricsLine</c>), reduced to what the
/// report needs: the evaluation curve (pass@1 against cumulative trajectories <c>samples_total</c>), per-bucket entropy
/// late in training and the mechanism numbers (multipliers, IB probe and gate). Keys that a run does not log are
/// simply absent from the results, so logs from older or newer builds still read.
/// </summary>
internal sealed class TrainingCurve
{
    public const string FileName = "metrics.jsonl";

    /// <summary>Array keys per bucket that are measurements or entropy levels (target, upper bound), not multipliers.</summary>
    private static readonly HashSet<string> BucketStatistics = ["bucket_entropy", "bucket_target", "bucket_upper"];

    /// <summary>
    /// Scalar keys that describe the mechanisms of docs/algorithm.md §B–C (IB probe and gate, GSEC, entropy-term
    /// share); matched by prefix or substring so keys added later (within-group AUROC, ν, shares) are picked up
    /// unnamed.
    /// </summary>
    private static bool IsMechanismScalar(string key) =>
        key.StartsWith("ib_", StringComparison.Ordinal) || key.StartsWith("gsec_", StringComparison.Ordinal)
        || key.StartsWith("entropy_term", StringComparison.Ordinal) || key.Contains("auroc", StringComparison.Ordinal)
        || key.Contains("lambda", StringComparison.Ordinal) || key.Contains("share", StringComparison.Ordinal);

    private readonly List<JsonElement> rows;

    private TrainingCurve(List<JsonElement> rows) => this.rows = rows;

    /// <summary>
    /// Reads <paramref name="path"/>: lines ordered by <c>step</c>, a step logged twice (a resumed run) keeping its
    /// last line. A line without a numeric step throws naming file:line; a cut last line is ignored.
    /// </summary>
    public static TrainingCurve Read(string path)
    {
        var byStep = new SortedDictionary<double, JsonElement>();
        foreach (var (line, value) in JsonLinesFile.Read(path, tolerateCutLastLine: true))
            byStep[JsonFields.NumberOrNull(value, "step") ?? throw JsonFields.Bad($"{path}:{line}", "step", "a number")] = value;
        return new TrainingCurve([.. byStep.Values]);
    }

    /// <summary>The last learner step logged, or null for an empty log.</summary>
    public double? LastStep => rows.Count == 0 ? null : rows[^1].GetProperty("step").GetDouble();

    /// <summary>Cumulative trajectories at the last logged step.</summary>
    public double? LastSamplesTotal => rows.Select(r => JsonFields.NumberOrNull(r, "samples_total")).LastOrDefault(v => v is not null);

    /// <summary>Evaluation points (step 0 included): step, cumulative trajectories and pass@1, in step order.</summary>
    public IReadOnlyList<(double Step, double Trajectories, double PassAt1)> EvaluationPoints =>
        rows.Select(r => (Step: r.GetProperty("step").GetDouble(), X: JsonFields.NumberOrNull(r, "samples_total"),
                          Y: JsonFields.NumberOrNull(r, "eval_pass_at_1")))
            .Where(p => p.X is not null && p.Y is not null)
            .Select(p => (p.Step, p.X!.Value, p.Y!.Value)).ToList();

    /// <summary>pass@1 of the first and of the last evaluation, or null without evaluations.</summary>
    public double? FirstEvalPassAt1 => rows.Select(r => JsonFields.NumberOrNull(r, "eval_pass_at_1")).FirstOrDefault(v => v is not null);

    public double? FinalEvalPassAt1 => rows.Select(r => JsonFields.NumberOrNull(r, "eval_pass_at_1")).LastOrDefault(v => v is not null);

    /// <summary>Area under pass@1 against trajectories, normalised by the trajectory range (<see cref="SampleEfficiency"/>).</summary>
    public double? AreaUnderPassAt1()
    {
        var points = EvaluationPoints;
        return SampleEfficiency.NormalizedArea(points.Select(p => p.Trajectories).ToArray(), points.Select(p => p.PassAt1).ToArray());
    }

    /// <summary>Trajectories generated when pass@1 first reaches <paramref name="level"/>; null if it never does.</summary>
    public double? TrajectoriesToReach(double level)
    {
        var points = EvaluationPoints;
        return SampleEfficiency.TrajectoriesToReach(points.Select(p => p.Trajectories).ToArray(), points.Select(p => p.PassAt1).ToArray(), level);
    }

    /// <summary>Number of entropy buckets the log has (the longest <c>bucket_entropy</c> array).</summary>
    public int Buckets => ArrayLength("bucket_entropy");

    /// <summary>The longest array logged under <paramref name="key"/> (0 when never logged as an array).</summary>
    public int ArrayLength(string key) =>
        rows.Select(r => r.TryGetProperty(key, out var a) && a.ValueKind == JsonValueKind.Array ? a.GetArrayLength() : 0).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Mean per bucket of <c>bucket_entropy</c> over the last 10% of the steps that logged it (at least one step),
    /// docs/algorithm.md §E.3; null for a bucket with no finite value there.
    /// </summary>
    public double?[] EntropyLastTenPercent()
    {
        var logged = rows.Where(r => r.TryGetProperty("bucket_entropy", out var b) && b.ValueKind == JsonValueKind.Array).ToList();
        var tail = logged.Skip(logged.Count - (int)Math.Ceiling(logged.Count * 0.1)).ToList();
        return Enumerable.Range(0, Buckets).Select(b =>
        {
            var values = tail.Select(r => Element(r.GetProperty("bucket_entropy"), b)).OfType<double>().ToList();
            return values.Count == 0 ? (double?)null : values.Average();
        }).ToArray();
    }

    /// <summary>Series of a scalar key, or of element <paramref name="index"/> of an array key, against the learner step.</summary>
    public (double[] Steps, double[] Values) Series(string key, int? index = null)
    {
        var steps = new List<double>();
        var values = new List<double>();
        foreach (var r in rows)
        {
            if (!r.TryGetProperty(key, out var v)) continue;
            double? value = index is { } i ? v.ValueKind == JsonValueKind.Array ? Element(v, i) : null : v.ValueKind == JsonValueKind.Number
                ? v.GetDouble() : null;
            if (value is not { } d || !double.IsFinite(d)) continue;
            steps.Add(r.GetProperty("step").GetDouble());
            values.Add(d);
        }
        return ([.. steps], [.. values]);
    }

    /// <summary>Per-bucket array keys other than entropy and target, i.e. multipliers (<c>bucket_alpha</c>, λ, ν, …).</summary>
    public IReadOnlyList<string> MultiplierKeys => ArrayKeys()
        .Where(k => k.StartsWith("bucket_", StringComparison.Ordinal) && !BucketStatistics.Contains(k)).ToList();

    /// <summary>Scalar mechanism keys present in the log (IB probe AUROC, gate ρ, sign flips, …).</summary>
    public IReadOnlyList<string> MechanismScalarKeys =>
        rows.SelectMany(r => r.EnumerateObject()).Where(p => p.Value.ValueKind == JsonValueKind.Number && IsMechanismScalar(p.Name))
            .Select(p => p.Name).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The mechanism numbers: per multiplier key its maximum and final value per bucket, per scalar mechanism key its
    /// final, mean and maximum value. Absent keys are absent here; a run without any gives an empty object.
    /// </summary>
    public JsonObject Mechanism()
    {
        var multipliers = new JsonObject();
        foreach (var key in MultiplierKeys)
        {
            var series = Enumerable.Range(0, ArrayLength(key)).Select(b => Series(key, b).Values).ToList();
            multipliers[key] = new JsonObject
            {
                ["max"] = new JsonArray([.. series.Select(s => s.Length == 0 ? null : JsonValue.Create(s.Max()))]),
                ["final"] = new JsonArray([.. series.Select(s => s.Length == 0 ? null : JsonValue.Create(s[^1]))]),
            };
        }
        var scalars = new JsonObject();
        foreach (var key in MechanismScalarKeys)
        {
            var values = Series(key).Values;
            if (values.Length == 0) continue;
            scalars[key] = new JsonObject { ["final"] = values[^1], ["mean"] = values.Average(), ["max"] = values.Max() };
        }
        return new JsonObject { ["multipliers"] = multipliers, ["scalars"] = scalars };
    }

    private IEnumerable<string> ArrayKeys() =>
        rows.SelectMany(r => r.EnumerateObject()).Where(p => p.Value.ValueKind == JsonValueKind.Array).Select(p => p.Name).Distinct()
            .Order(StringComparer.Ordinal);

    private static double? Element(JsonElement array, int index) =>
        index < array.GetArrayLength() && array[index].ValueKind == JsonValueKind.Number && double.IsFinite(array[index].GetDouble())
            ? array[index].GetDouble() : null;
}
