using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Runtime;

namespace Gipo.Bench.Soak;

/// <summary>
/// The soak behind <c>gipo-bench soak</c> (docs/reliability.md, "Native crashes"): quickstart-size training runs
/// (sampling, scoring, learner steps, checkpoints, on the actor system, in this process) back to back while
/// <see cref="GcPressure"/> forces collections and finalizers without pause, counting every libtorch error. A Scalar
/// that nothing keeps alive during a native call is then freed mid-call within a few minutes; with every call site
/// holding its Scalars (src/BannedSymbols.txt), the count stays at zero.
/// </summary>
public static class NativeSoak
{
    /// <summary>Keys every soak run gets under the user's: small evaluations (they still sample), one final checkpoint.</summary>
    public static IReadOnlyList<string> SoakDefaults { get; } = ["run.eval-every=0", "run.eval-prompts=8", "run.eval-samples=1"];

    /// <summary>The settings of every run: the preset, <see cref="SoakDefaults"/>, the user's keys, then the soak's own.</summary>
    public static GipoSettings Settings(NativeSoakOptions o) => GipoSettings.Load(o.Preset,
        [.. SoakDefaults, .. o.Overrides
            ?? [], $"run.steps={o.StepsPerRun}", $"run.checkpoint-every={o.StepsPerRun}", $"run.base-checkpoint={o.BaseCheckpoint}"]);

    /// <summary>Runs until <see cref="NativeSoakOptions.Duration"/> has passed (or <paramref name="cancel"/>); <paramref name="log"/> gets progress
    /// lines.</summary>
    public static async Task<NativeSoakResult> RunAsync(NativeSoakOptions o, Action<string>? log = null, CancellationToken cancel = default)
    {
        if (o.StepsPerRun < 1) throw new ArgumentException($"steps per run must be >= 1 (got {o.StepsPerRun})");
        if (o.Duration <= TimeSpan.Zero) throw new ArgumentException($"the duration must be > 0 (got {o.Duration})");
        var settings = Settings(o); // every settings error before anything runs
        using var errors = new NativeErrorCounter();
        var gen0Before = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        int runs = 0, failed = 0;
        long steps = 0, samples = 0;
        using (var pressure = new GcPressure(o.GcPause, o.GcGeneration))
        {
            while (clock.Elapsed < o.Duration && !cancel.IsCancellationRequested)
            {
                runs++;
                var folder = new RunFolder(Path.Combine(o.OutRoot, $"run-{runs:D4}"));
                folder.WriteConfig(settings);
                long generated = 0;
                var progress = new NodeOptions(Progress: p =>
                {
                    if (p.Line["samples_generated"] is JsonValue v
                        && long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                        Interlocked.Exchange(ref generated, n);
                });
                RunOutcome outcome;
                try
                {
                    var node = await TrainingNode.StartAsync(folder, settings, o.BaseCheckpoint, progress);
                    outcome = await node.RunAsync(cancel);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    break;
                }
                steps += Math.Max(0, outcome.Step); // -1: the learner never started
                samples += Interlocked.Read(ref generated);
                if (!outcome.Finished)
                {
                    failed++;
                    log?.Invoke($"run {runs}: did not finish: {outcome.Error}");
                }
                TryDelete(folder.Root);
                log?.Invoke(
                    FormattableString.Invariant(
                        $"{clock.Elapsed.TotalMinutes:F1} min: run {runs} {(outcome.Finished ? "finished" : "FAILED")} at step {outcome.Step}; ") +
                    FormattableString.Invariant(
                        $"steps {steps}, gcs forced {pressure.Forced}, native errors {errors.Native} (scalar {errors.Scalar})"));
            }
            return new NativeSoakResult(clock.Elapsed.TotalMinutes, runs, failed, steps, samples, pressure.Forced,
                GC.CollectionCount(0) - gen0Before, errors.Native, errors.Scalar, errors.First);
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder is under the soak's root, which the command removes or keeps as asked.
        }
    }
}
