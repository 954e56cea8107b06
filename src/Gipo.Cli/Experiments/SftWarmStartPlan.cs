using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gipo.Cli.Experiments;

/// <summary>
/// The <c>sft</c> section of a plan task: the settings of the warm start to build (the §E.1 tiny model trained on solver
/// solutions until pass@1 on <see cref="EvalSplit"/> enters <see cref="Band"/>), or, with <see cref="Checkpoint"/>, a
/// checkpoint to reuse as it is.
/// </summary>
public sealed record SftWarmStartPlan
{
    /// <summary>A checkpoint to reuse (full path); null = build one from the settings below.</summary>
    public string? Checkpoint { get; init; }
    public int Hidden { get; init; } = 256;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int Intermediate { get; init; } = 704;
    public int Batch { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double FinalLrFraction { get; init; } = 1.0;
    public int MaxSteps { get; init; } = 4000;
    public int EvalEvery { get; init; } = 100;
    public int EvalPrompts { get; init; } = 200;
    public int Seed { get; init; }
    /// <summary>Held-out split whose pass@1 stops the warm start (its kebab-case name).</summary>
    public string EvalSplit { get; init; } = "rl-test";
    /// <summary>The pass@1 band the warm start must end in; required when building.</summary>
    public SftBand? Band { get; init; }

    /// <summary>
    /// The canonical text of what determines the built checkpoint, for <paramref name="task"/>: every setting (in a fixed
    /// order, numbers in round-trip form) and the task. Its SHA-256 identifies the warm start across plans and
    /// invocations; the git commit is deliberately not part of it, so a warm start survives unrelated commits.
    /// </summary>
    public string CanonicalSettings(string task) => JsonSerializer.Serialize(Settings(task));

    /// <summary>The settings as a JSON object (sft.json's <c>settings</c>), in canonical order.</summary>
    public SortedDictionary<string, object> Settings(string task) => Checkpoint is not null
        ? new(StringComparer.Ordinal) { ["task"] = task, ["checkpoint"] = Checkpoint }
        : new(StringComparer.Ordinal)
        {
            ["task"] = task, ["hidden"] = Hidden, ["layers"] = Layers, ["heads"] = Heads, ["intermediate"] = Intermediate, ["batch"] = Batch,
            ["lr"] = R(LearningRate), ["final-lr-fraction"] = R(FinalLrFraction), ["max-steps"] = MaxSteps, ["eval-every"] = EvalEvery,
            ["eval-prompts"] = EvalPrompts, ["seed"] = Seed, ["eval-split"] = EvalSplit,
            ["band"] = Band is { } b ? new[] { R(b.Low), R(b.High) } : Array.Empty<string>(),
        };

    /// <summary>SHA-256 (lowercase hex) of <see cref="CanonicalSettings"/>.</summary>
    public string SettingsHash(string task) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalSettings(task))));

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
