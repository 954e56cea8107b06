using System.CommandLine;
using System.Text.Json.Nodes;
using Gipo.Bench.Pipeline;
using Gipo.Cli;
using Gipo.Model.Native;
using Spectre.Console;

namespace Gipo.Bench;

/// <summary>
/// <c>gipo-bench pipeline</c>: the same training run with max-staleness η = 0 (synchronous) and η = 2 (asynchronous),
/// one after the other in this process, side by side: end-to-end trajectories/s, the learner's idle fraction, and the
/// share of wall time spent in actor messaging and serialization (<see cref="PipelineBenchmark"/>).
/// </summary>
internal static class PipelineBenchCommand
{
    private const string DefaultBase = "tests/Gipo.Cluster.Tests/Fixtures/sft-column-add-small";
    private const string DefaultPreset = "hocon/quickstart.conf";

    public static Command Create()
    {
        var baseCheckpoint = new Option<DirectoryInfo?>("--base") { Description = $"SFT checkpoint both runs start from (default: " +
                                                                                  $"{DefaultBase} found from the working folder up)" };
        var config = new Option<FileInfo?>("--config") { Description = $"preset of both runs (default: " +
                                                                       $"{DefaultPreset} found from the working folder up)" };
        var steps = new Option<int>("--steps") { Description = "learner steps per run; the window is step 1's line " +
                                                               "to step N-1's (>= 3)", DefaultValueFactory = _ => 12 };
        var samplers = new Option<int>("--samplers") { Description = "sampler actors (the same for both runs)", DefaultValueFactory = _ => 1 };
        var set = new Option<string[]>("--set") { Description = "override a key for both runs: " +
                                                                "--set run.torch-threads=1 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string?>("--out") { Description = "folder for the run folders eta0/ and eta2/ (default: a temp folder)" };
        var keep = new Option<bool>("--keep") { Description = "keep the run folders (default: deleted afterwards)" };
        var json = new Option<bool>("--json") { Description = "last output line: one JSON object with both runs" };
        var command = new Command("pipeline",
            "Synchronous (η = 0) vs asynchronous (η = 2) training with the same samplers and settings: trajectories/s, " +
            "learner idle fraction, messaging share.")
        {
            baseCheckpoint, config, steps, samplers, set, output, keep, json,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var basePath = r.GetValue(baseCheckpoint)?.FullName ?? WorkingFolder.FindUp(DefaultBase)
                ?? throw new ArgumentException($"no --base given and {DefaultBase} not found from the working folder up");
            if (!Directory.Exists(basePath)) throw new DirectoryNotFoundException($"--base '{basePath}' does not exist");
            var preset = r.GetValue(config)?.FullName ?? WorkingFolder.FindUp(DefaultPreset)
                ?? throw new ArgumentException($"no --config given and {DefaultPreset} not found from the working folder up");
            var temp = r.GetValue(output) is null;
            var root = temp ? Directory.CreateTempSubdirectory("gipo-bench-pipeline-").FullName : Path.GetFullPath(r.GetValue(output)!);
            var options = new PipelineBenchmarkOptions(basePath, preset, root, r.GetValue(steps), r.GetValue(samplers), r.GetValue(set) ?? []);
            NativeTorch.EnsureLoaded();
            Console.Error.WriteLine($"bench pipeline: {Path.GetFileName(preset)} from {basePath}, {options.Steps} steps, " +
                                    $"{options.Samplers} sampler(s), " +
                                    $"{Environment.ProcessorCount} cores; η = {string.Join(" vs ", options.EtaList)}");
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            PipelineBenchmarkResult result;
            try
            {
                result = PipelineBenchmark.RunAsync(options, Console.Error.WriteLine, cancel.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("error: interrupted");
                return 2;
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("the η", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
                if (!r.GetValue(keep))
                {
                    PipelineBenchmark.DeleteRunFolders(options);
                    if (temp) TryDelete(root);
                }
            }
            Report(result, options, r.GetValue(json), r.GetValue(keep) ? root : null);
            return 0;
        }));
        return command;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    private static void Report(PipelineBenchmarkResult result, PipelineBenchmarkOptions o, bool json, string? kept)
    {
        var runs = result.Runs;
        var table = new Table().AddColumn("metric");
        foreach (var run in runs) table.AddColumn(new TableColumn(run.Eta == 0 ? "η = 0 (sync)" : $"η = {run.Eta} (async)").RightAligned());
        if (runs.Count == 2) table.AddColumn(new TableColumn("ratio").RightAligned());
        void Row(string name, Func<PipelineRunResult, double> value, string format, bool ratio = false)
        {
            var cells = new List<string> { name };
            cells.AddRange(runs.Select(run => value(run).ToString(format)));
            if (runs.Count == 2) cells.Add(ratio && value(runs[0]) > 0 ? $"{value(runs[1]) / value(runs[0]):F2}x" : "");
            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }
        Row("trajectories/s, trained+filtered", r => r.LedgerSamplesPerSecond, "F2", ratio: true);
        Row("trajectories/s, generated", r => r.GeneratedSamplesPerSecond, "F2", ratio: true);
        Row("seconds per learner step", r => r.SecondsPerStep, "F3", ratio: true);
        Row("learner idle (wait/window)", r => r.LearnerIdleFraction, "P1");
        Row("learner compute/window", r => r.WindowSeconds > 0 ? r.LearnerComputeSeconds / r.WindowSeconds : 0, "P1");
        Row("learner asks+publish/window", r => r.WindowSeconds > 0 ? r.LearnerOtherSeconds / r.WindowSeconds : 0, "P1");
        Row("staleness mean", r => r.StalenessMean, "F2");
        Row("staleness max", r => r.StalenessMax, "F0");
        Row("window steps", r => r.WindowSteps, "F0");
        Row("window seconds", r => r.WindowSeconds, "F2");
        Row("samples trained+filtered", r => r.LedgerSamples, "F0");
        Row("samples trained", r => r.TrainedSamples, "F0");
        Row("samples generated", r => r.GeneratedSamples, "F0");
        Row("mailbox messages, all", r => r.Messaging.MailboxMessages, "F0");
        Row("Gipo messages enqueued", r => r.Messaging.GipoMessages, "F0");
        Row("Gipo messages distinct", r => r.Messaging.DistinctGipoMessages, "F0");
        Row("Gipo MB (as on a wire)", r => r.Messaging.WireBytes / 1e6, "F2");
        Row("mailbox hops ms (est.)", r => r.Messaging.HopSeconds * 1e3, "F1");
        Row("persistence codec ms", r => r.Messaging.PersistenceSeconds * 1e3, "F1");
        Row("wire codec ms (est.)", r => r.Messaging.WireCodecSeconds * 1e3, "F1");
        Row("messaging share, this run", r => r.MessagingShareInProcess, "P2");
        Row("messaging share, all remote", r => r.MessagingShare, "P2");
        Row("CPU, this process", r => r.OwnCpuFraction, "P0");
        Row("CPU, other processes", r => r.OtherCpuFraction ?? double.NaN, "P1");
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(json ? Console.Error : Console.Out) });
        console.Write(table);
        console.WriteLine($"window: step 1's metrics line to step {o.Steps - 1}'s (start-up, step-0 and final evaluations excluded)");
        console.WriteLine($"mailbox hop: {result.Hop.DefaultSeconds * 1e6:F1} µs default, {result.Hop.PinnedSeconds * 1e6:F1} µs pinned dispatcher " +
                          $"(ping-pong, {result.Hop.RoundTrips:N0} round trips); every enqueue and ask reply priced at the dearer");
        console.WriteLine("messaging share, this run: (hops + GipoSerializer calls of persistence, timed in the run) / window; " +
                          "all remote: + encode/decode of every distinct Gipo message, as if each crossed a node");
        console.WriteLine($"settings of both runs: {string.Join(' ', result.Overrides)}");
        if (kept is not null) console.WriteLine($"run folders kept in {kept}");
        if (!json) return;
        var runsJson = new JsonArray();
        foreach (var run in runs) runsJson.Add(RunJson(run));
        var obj = new JsonObject
        {
            ["cores"] = Environment.ProcessorCount,
            ["steps"] = o.Steps,
            ["samplers"] = o.Samplers,
            ["preset"] = o.Preset,
            ["base"] = o.BaseCheckpoint,
            ["settings"] = new JsonArray([.. result.Overrides.Select(s => (JsonNode?)JsonValue.Create(s))]),
            ["hop_us_default"] = Math.Round(result.Hop.DefaultSeconds * 1e6, 2),
            ["hop_us_pinned"] = Math.Round(result.Hop.PinnedSeconds * 1e6, 2),
            ["runs"] = runsJson,
        };
        if (runs.Count == 2 && runs[0].LedgerSamplesPerSecond > 0)
        {
            obj["speedup_trajectories_per_s"] = Math.Round(runs[1].LedgerSamplesPerSecond / runs[0].LedgerSamplesPerSecond, 3);
            obj["speedup_generated_per_s"] = runs[0].GeneratedSamplesPerSecond > 0
                ? Math.Round(runs[1].GeneratedSamplesPerSecond / runs[0].GeneratedSamplesPerSecond, 3) : null;
        }
        Console.WriteLine(obj.ToJsonString());
    }

    private static JsonObject RunJson(PipelineRunResult r)
    {
        var m = r.Messaging;
        var types = new JsonArray();
        foreach (var t in m.Types.Where(t => t.Gipo))
            types.Add(new JsonObject
            {
                ["type"] = t.Type, ["enqueued"] = t.Enqueued, ["distinct"] = t.Distinct, ["bytes"] = t.Bytes,
                ["codec_ms"] = Math.Round(t.CodecSeconds * 1e3, 3),
            });
        var others = new JsonObject();
        foreach (var t in m.Types.Where(t => !t.Gipo).Take(12)) others[t.Type] = t.Enqueued;
        return new JsonObject
        {
            ["eta"] = r.Eta,
            ["window_steps"] = r.WindowSteps,
            ["window_seconds"] = Math.Round(r.WindowSeconds, 3),
            ["total_seconds"] = Math.Round(r.TotalSeconds, 1),
            ["trajectories_per_s"] = Math.Round(r.LedgerSamplesPerSecond, 3),
            ["generated_per_s"] = Math.Round(r.GeneratedSamplesPerSecond, 3),
            ["seconds_per_step"] = Math.Round(r.SecondsPerStep, 3),
            ["samples_ledger"] = r.LedgerSamples,
            ["samples_trained"] = r.TrainedSamples,
            ["samples_generated"] = r.GeneratedSamples,
            ["tokens_generated"] = r.GeneratedTokens,
            ["learner_idle_fraction"] = Math.Round(r.LearnerIdleFraction, 4),
            ["learner_wait_seconds"] = Math.Round(r.LearnerWaitSeconds, 3),
            ["learner_compute_seconds"] = Math.Round(r.LearnerComputeSeconds, 3),
            ["learner_other_seconds"] = Math.Round(r.LearnerOtherSeconds, 3),
            ["staleness_mean"] = Math.Round(r.StalenessMean, 3),
            ["staleness_max"] = r.StalenessMax,
            ["eval_pass_at_1_final"] = r.FinalPassAt1,
            ["load_average"] = r.LoadAverage,
            ["own_cpu_fraction"] = Math.Round(r.OwnCpuFraction, 4),
            ["other_cpu_fraction"] = r.OtherCpuFraction is { } other ? Math.Round(other, 4) : null,
            ["messaging"] = new JsonObject
            {
                ["mailbox_messages"] = m.MailboxMessages,
                ["gipo_enqueues"] = m.GipoMessages,
                ["gipo_distinct"] = m.DistinctGipoMessages,
                ["ask_replies"] = m.AskReplies,
                ["hop_seconds"] = Math.Round(m.HopSeconds, 5),
                ["wire_bytes"] = m.WireBytes,
                ["wire_codec_seconds"] = Math.Round(m.WireCodecSeconds, 5),
                ["persistence_calls"] = m.PersistenceCalls,
                ["persistence_bytes"] = m.PersistenceBytes,
                ["persistence_seconds"] = Math.Round(m.PersistenceSeconds, 5),
                ["in_process_seconds"] = Math.Round(m.InProcessSeconds, 5),
                ["share_of_window"] = Math.Round(r.MessagingShareInProcess, 5),
                ["distributed_seconds"] = Math.Round(m.TotalSeconds, 5),
                ["distributed_share_of_window"] = Math.Round(r.MessagingShare, 5),
                ["gipo_types"] = types,
                ["other_types_top"] = others,
            },
        };
    }
}
