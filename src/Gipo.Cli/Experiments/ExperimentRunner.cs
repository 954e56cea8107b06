using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Model.Checkpoints;
using Gipo.Model.Native;

namespace Gipo.Cli.Experiments;

/// <summary>
/// Runs an experiment plan: the SFT warm start of each task, then every selected run as a <c>gipo train</c> child
/// process (up to <c>parallel</c> at once), then each run's final evaluation on every split (<c>gipo eval
/// --per-prompt</c>, with the plan's shared evaluation seed), keeping <c>experiment-run.json</c> and the manifest
/// current. Everything it does is resumable: running it again skips what is finished and continues what is not. A run
/// that fails is recorded and the others go on; <see cref="RunAsync"/> then returns 2.
/// </summary>
public sealed class ExperimentRunner(ExperimentPlan plan, ExperimentLayout layout, string planPath, int parallel, RunFilter filter, string arguments)
{
    private readonly ConcurrentDictionary<string, string> active = new();
    private readonly ConcurrentBag<double> durations = [];
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private int started, ended, failed;

    /// <summary>The runs the filter selects, with what each needs next.</summary>
    public IReadOnlyList<(PlannedRun Run, RunStatus Status, RunNextStep Next)> Selected() =>
    [
        .. plan.Runs.Where(r => filter.Matches(r.Id)).Select(r =>
        {
            var record = ExperimentRunRecord.Read(layout.Run(r.Id));
            var hasConfig = File.Exists(layout.RunConfig(r.Id));
            var evaluated = layout.Evaluated(r.Id, plan.Evaluation.Splits);
            return (r, RunState.Status(record, hasConfig, evaluated), RunState.Next(record, hasConfig, evaluated));
        }),
    ];

    /// <summary>Runs the selected runs; 0 when every one finished, 2 when any failed.</summary>
    public async Task<int> RunAsync(CancellationToken cancel)
    {
        var selected = Selected();
        if (selected.Count == 0) throw new ArgumentException($"--only matches no run of plan '{plan.Name}' (its ids look like {plan.Runs[0].Id})");
        Directory.CreateDirectory(layout.Root);
        using var experimentLock = Lock();
        CopyPlan();
        NativeTorch.EnsureLoaded();
        var device = TorchSharp.torch.cuda.is_available() ? $"cuda ({TorchSharp.torch.cuda.device_count()} device(s))" : "cpu";
        var manifest = new ExperimentManifest(plan, layout, planPath, device, arguments);

        // Warm starts only for tasks with a run to train: a finished or evaluation-only run needs none.
        var sft = new Dictionary<string, SftWarmStartResult>(StringComparer.Ordinal);
        var sftThreads = Math.Max(plan.ThreadsPerRun, Math.Min(Environment.ProcessorCount, parallel * plan.ThreadsPerRun));
        foreach (var task in plan.Tasks.Where(t => selected.Any(s => s.Run.Task == t && s.Next is RunNextStep.Start)))
        {
            cancel.ThrowIfCancellationRequested();
            sft[task.Name] = SftWarmStart.Prepare(task, layout, sftThreads);
            manifest.Write(sft);
        }
        manifest.Write(sft);

        var todo = selected.Where(s => s.Next != RunNextStep.Skip).ToList();
        Console.Error.WriteLine($"experiment {plan.Name}: {selected.Count} run(s) selected of {plan.Runs.Count}: " +
                                $"{selected.Count - todo.Count} finished, " +
                                $"{todo.Count(s => s.Next == RunNextStep.Resume)} to resume, " +
                                $"{todo.Count(s => s.Next == RunNextStep.Evaluate)} to evaluate, " +
                                $"{todo.Count(s => s.Next == RunNextStep.Start)} to start; {parallel} at a time, " +
                                $"{plan.ThreadsPerRun} thread(s) each; results in {layout.Root}");
        using var heartbeat = new CancellationTokenSource();
        var beats = Heartbeat(todo.Count, heartbeat.Token);
        try
        {
            await Parallel.ForEachAsync(todo, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancel },
                                        async (item, ct) =>
            {
                var number = Interlocked.Increment(ref started);
                var ok = await RunOneAsync(item.Run, item.Next, sft.GetValueOrDefault(item.Run.Task.Name), number, todo.Count, ct);
                if (!ok) Interlocked.Increment(ref failed);
                Interlocked.Increment(ref ended);
                manifest.Write(sft);
            });
        }
        finally
        {
            await heartbeat.CancelAsync();
            await beats;
            manifest.Write(sft);
        }
        Console.Error.WriteLine($"experiment {plan.Name}: {todo.Count - failed} of {todo.Count} run(s) done in {Duration(clock.Elapsed)}" +
                                (failed > 0 ? $"; {failed} FAILED (see experiment-run.json and train.log in their folders; " +
                                              $"run the same command again to retry them)" : ""));
        return failed > 0 ? 2 : 0;
    }

    /// <summary>Trains (fresh or resumed) and evaluates one run; false when a step of it failed (recorded in its folder).</summary>
    private async Task<bool> RunOneAsync(PlannedRun run, RunNextStep next, SftWarmStartResult? sft, int number, int total, CancellationToken cancel)
    {
        var id = run.Id;
        var folder = layout.Run(id);
        Directory.CreateDirectory(folder);
        var attempt = Stopwatch.StartNew();
        var previous = ExperimentRunRecord.Read(folder);
        var record = new ExperimentRunRecord
        {
            Id = id, Task = run.Task.Name, Method = run.Method.Name, Seed = run.Seed, Status = ExperimentRunRecord.Running,
            WallSeconds = previous?.WallSeconds ?? 0, SftHash = previous?.SftHash ?? sft?.Hash, TrainResult = previous?.TrainResult,
            ConfigSha256 = previous?.ConfigSha256, Started = previous?.Started ?? DateTimeOffset.UtcNow,
        };
        record.Write(folder);
        var what = next switch { RunNextStep.Start => "start", RunNextStep.Resume => "resume", _ => "evaluate" };
        Console.Error.WriteLine($"experiment: [{number}/{total}] {what} {id}");

        ExperimentRunRecord Failed(int exitCode, string error) => record with
        {
            Status = ExperimentRunRecord.Failed, ExitCode = exitCode, Error = error,
            WallSeconds = Math.Round(record.WallSeconds + attempt.Elapsed.TotalSeconds, 1),
            ConfigSha256 = File.Exists(layout.RunConfig(id)) ? ExperimentManifest.FileSha256(layout.RunConfig(id)) : record.ConfigSha256,
        };
        try
        {
            if (next is RunNextStep.Start or RunNextStep.Resume)
            {
                active[id] = "training";
                var args = next == RunNextStep.Start
                    ? TrainArguments(run, sft?.Checkpoint ?? throw new InvalidOperationException($"no SFT warm start for task {run.Task.Name}"))
                    : ["train", "--resume", id, "--runs-dir", layout.Runs, "--json"];
                var train = await GipoChildProcess.RunAsync(args, layout.TrainLog(id), plan.ThreadsPerRun, cancel);
                var result = train.ExitCode == 0 ? ParseObject(train.LastOutputLine) : null;
                if (result is null)
                    return Fail(Failed(train.ExitCode == 0 ? -1 : train.ExitCode, train.ExitCode == 0 ? "gipo train printed no JSON result line"
                        : Tail(train.ErrorTail)), number, total, "training");
                record = record with { TrainResult = result, ConfigSha256 = ExperimentManifest.FileSha256(layout.RunConfig(id)) };
                record.Write(folder);
            }

            var checkpoint = LastCheckpoint(id, record.TrainResult);
            if (checkpoint is null) return Fail(Failed(-1, $"no checkpoint to evaluate in {Path.Combine(folder, "checkpoints")}"), number, total,
                                                "evaluation");
            foreach (var split in plan.Evaluation.Splits)
            {
                if (File.Exists(layout.EvalSummary(id, split)) && File.Exists(layout.EvalPerPrompt(id, split))) continue;
                active[id] = $"evaluating {split}";
                var eval = await GipoChildProcess.RunAsync(EvalArguments(run, checkpoint, split), layout.TrainLog(id), plan.ThreadsPerRun, cancel);
                var summary = eval.ExitCode == 0 ? ParseObject(eval.LastOutputLine) : null;
                if (summary is null || !File.Exists(layout.EvalPerPrompt(id, split)))
                    return Fail(Failed(eval.ExitCode == 0 ? -1 : eval.ExitCode, eval.ExitCode == 0 ? "gipo eval printed no JSON result"
                        : Tail(eval.ErrorTail)), number, total, $"evaluation on {split}");
                AtomicFile.WriteText(layout.EvalSummary(id, split), summary.ToJsonString() + "\n");
            }
            record = record with
            {
                Status = ExperimentRunRecord.Finished, ExitCode = 0, Error = null, FinishedAt = DateTimeOffset.UtcNow,
                WallSeconds = Math.Round(record.WallSeconds + attempt.Elapsed.TotalSeconds, 1),
            };
            record.Write(folder);
            durations.Add(attempt.Elapsed.TotalSeconds);
            Console.Error.WriteLine($"experiment: [{number}/{total}] finished {id} in {Duration(attempt.Elapsed)}: " +
                                    $"{Scores(id, record.TrainResult)}; {Outlook(total)}");
            return true;
        }
        catch (OperationCanceledException)
        {
            // Not a failure: the run stays "running" (partial) and the next invocation continues it.
            (record with { Error = "interrupted (the experiment was stopped); running the same command again continues it",
                WallSeconds = Math.Round(record.WallSeconds + attempt.Elapsed.TotalSeconds, 1) }).Write(folder);
            throw;
        }
        finally
        {
            active.TryRemove(id, out _);
        }
    }

    private bool Fail(ExperimentRunRecord record, int number, int total, string stage)
    {
        record.Write(layout.Run(record.Id));
        var last = record.Error?.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        Console.Error.WriteLine($"experiment: [{number}/{total}] FAILED {record.Id} in {stage} (exit code {record.ExitCode}): {last}; " +
                                $"log {layout.TrainLog(record.Id)}; {Outlook(total)}");
        return false;
    }

    /// <summary>The <c>gipo train</c> command line of a fresh run.</summary>
    public IReadOnlyList<string> TrainArguments(PlannedRun run, string sftCheckpoint) =>
    [
        "train", "--config", run.Method.Config, "--base", sftCheckpoint,
        .. plan.TrainOverrides(run).SelectMany(o => new[] { "--set", o }),
        "--runs-dir", layout.Runs, "--run-id", run.Id, "--json",
    ];

    /// <summary>The <c>gipo eval</c> command line of a run's final evaluation on <paramref name="split"/> (the plan's shared seed).</summary>
    public IReadOnlyList<string> EvalArguments(PlannedRun run, string checkpoint, string split)
    {
        var e = plan.Evaluation;
        return
        [
            "eval", "--checkpoint", checkpoint, "--task", run.Task.ReasoningTask, "--split", split,
            "--prompts", I(e.Prompts), "--samples", I(e.Samples), "--k", string.Join(',', e.Ks.Select(I)),
            "--budgets", string.Join(',', e.Budgets.Select(b => b.ToString("R", CultureInfo.InvariantCulture))),
            "--max-new-tokens", I(e.MaxNewTokens), "--seed", I(e.Seed), "--threads", I(plan.ThreadsPerRun),
            "--per-prompt", layout.EvalPerPrompt(run.Id, split), "--json",
        ];
    }

    /// <summary>The checkpoint <c>gipo train</c> reported, else the newest complete one in the run folder.</summary>
    private string? LastCheckpoint(string id, JsonObject? trainResult)
    {
        // gipo train reports the checkpoint's manifest.json; its folder is the HF checkpoint gipo eval loads.
        if (trainResult?["checkpoint"] is JsonValue v && v.TryGetValue<string>(out var reported))
        {
            if (Directory.Exists(reported)) return reported;
            if (File.Exists(reported)) return Path.GetDirectoryName(reported);
        }
        var root = Path.Combine(layout.Run(id), "checkpoints");
        return Directory.Exists(root)
            ? Directory.EnumerateDirectories(root, "step-*").Where(d => File.Exists(Path.Combine(d, LearnerCheckpoint.ManifestFile)))
                .Order(StringComparer.Ordinal).LastOrDefault()
            : null;
    }

    private string Scores(string id, JsonObject? train)
    {
        string F(JsonNode? n) => n is JsonValue v && v.TryGetValue<double>(out var d) ? d.ToString("F3", CultureInfo.InvariantCulture) : "–";
        var splits = plan.Evaluation.Splits.Select(s => $"{s} {F(ParseObject(ReadOrNull(layout.EvalSummary(id, s)))?["pass_at_1"])}");
        return $"pass@1 {F(train?["eval_pass_at_1_start"])} → {F(train?["eval_pass_at_1"])} in training, final {string.Join(", ", splits)}";
    }

    /// <summary>Counts and the ETA from the runs finished in this invocation.</summary>
    private string Outlook(int total)
    {
        var left = total - Volatile.Read(ref ended) - 1; // this run is not counted as ended yet
        var eta = durations.IsEmpty || left <= 0
            ? ""
            : $", ETA {Duration(TimeSpan.FromSeconds(durations.Average() * Math.Ceiling((double)left / parallel)))}";
        return $"{Math.Max(0, left)} left, elapsed {Duration(clock.Elapsed)}{eta}";
    }

    /// <summary>Every minute, one line on what is running (a run's step from its metrics log), so long runs show progress.</summary>
    private async Task Heartbeat(int total, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(60));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var running = active.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                    .Select(kv => kv.Value == "training" ? $"{kv.Key} (step {LastStep(kv.Key)}/{plan.Steps})" : $"{kv.Key} ({kv.Value})").ToList();
                if (running.Count > 0)
                    Console.Error.WriteLine($"experiment: running {string.Join(", ", running)}; " +
                                            $"{Volatile.Read(ref ended)}/{total} done, elapsed {Duration(clock.Elapsed)}");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string LastStep(string id)
    {
        try
        {
            using var stream = new FileStream(layout.Metrics(id), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var last = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
            return ParseObject(last)?["step"]?.ToString() ?? "0";
        }
        catch (IOException)
        {
            return "0"; // not written yet
        }
    }

    /// <summary>plan.conf: the plan as run. A changed plan is allowed (adding seeds or methods extends an experiment) but said aloud.</summary>
    private void CopyPlan()
    {
        if (File.Exists(layout.PlanCopy) && File.ReadAllText(layout.PlanCopy) is var old && old != plan.Text)
            Console.Error.WriteLine($"experiment: warning: the plan differs from {layout.PlanCopy} (the plan of an earlier invocation); " +
                                    "finished runs keep the settings they ran with (their run.conf) and the copy is replaced");
        AtomicFile.WriteText(layout.PlanCopy, plan.Text);
    }

    /// <summary>One experiment process per results folder: a second one would start the same runs twice.</summary>
    private FileStream Lock()
    {
        var path = Path.Combine(layout.Root, ".lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new IOException($"another gipo experiment is running on {layout.Root} (it holds {path})");
        }
    }

    private static JsonObject? ParseObject(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return null;
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ReadOrNull(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    private static string Tail(IReadOnlyList<string> lines) => string.Join('\n', lines.TakeLast(10));

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A duration as 1h02m, 4m12s or 35s.</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s"
        : $"{t.TotalSeconds:F0}s";
}
