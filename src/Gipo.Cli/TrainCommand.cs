using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Runtime;
using Gipo.Cluster.Weights;
using Gipo.Core.Tokenization;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Native;
using Gipo.Model.Training;

namespace Gipo.Cli;

/// <summary>
/// <c>gipo train</c>: an asynchronous RL run on the actor system (one process, every role, SQLite journal in the run
/// folder), from a base checkpoint or, when the config names none, after an SFT warm start. <c>--resume</c> continues
/// a run after a crash from its last checkpoint.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "preset, e.g. hocon/gipo-preset.conf or hocon/quickstart.conf (default: " +
                                                                       "hocon/gipo.conf values)" };
        var set = new Option<string[]>("--set") { Description = "override a key: --set algorithm.optim.lr=3e-4, " +
                                                                "--set run.steps=50 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var baseCheckpoint = new Option<DirectoryInfo?>("--base") { Description = "HF checkpoint to start from " +
                                                                                  "(same as --set run.base-checkpoint=DIR); none: " +
                                                                                  "SFT warm start first" };
        var runId = new Option<string?>("--run-id") { Description = "name of the run folder under --runs-dir (default <task>-<time>)" };
        var resume = new Option<string?>("--resume") { Description = "continue run ID (or run folder) from its last checkpoint, " +
                                                                     "with its own settings" };
        var fromCheckpoint = new Option<string?>("--from-checkpoint")
        {
            Description = "with --resume: start from this committed checkpoint of the run (a learner step, " +
                          "or its folder) instead of the newest valid one; the steps after it are trained again",
        };
        var runsDir = new Option<string>("--runs-dir") { Description = "where run folders live", DefaultValueFactory = _ => "runs" };
        var json = new Option<bool>("--json") { Description = "last line: {run_id, eval_pass_at_1_start, eval_pass_at_1, steps, policy_version, " +
                                                              "seconds, checkpoint}" };
        var printConfig = new Option<bool>("--print-config") { Description = "print the resolved settings (what run.conf would hold, " +
            "after --config, --set and --base; with --resume the run's own) and exit without starting or creating a run" };
        var command = new Command("train", "RL training (GIPO, DAPO, GRPO, Dr. GRPO presets) on the actor system, with persistence and resume.")
        {
            config, set, baseCheckpoint, runId, resume, fromCheckpoint, runsDir, json, printConfig,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            if (r.GetValue(printConfig))
            {
                // A resumed run's own settings, read without taking its lock (printing them is harmless while it runs).
                var overridden = r.GetValue(config) is not null || (r.GetValue(set)?.Length ?? 0) > 0 || r.GetValue(baseCheckpoint) is not null;
                if (r.GetValue(resume) is not null && overridden)
                    throw new ArgumentException("--resume continues a run with its own settings (run.conf): --config, " +
                                                "--set and --base are not allowed with it");
                var resolved = r.GetValue(resume) is { } id
                    ? RunFolder.Resolve(id, r.GetValue(runsDir)!).ReadConfig()
                    : Resolve(r.GetValue(config)?.FullName, Overrides(r.GetValue(set), r.GetValue(baseCheckpoint)));
                Console.Out.Write(RunFolder.ConfigText(resolved));
                return 0;
            }
            if (r.GetValue(fromCheckpoint) is not null && r.GetValue(resume) is null)
                throw new ArgumentException("--from-checkpoint picks the checkpoint a resumed run starts from: use it with --resume RUN");
            var choice = r.GetValue(fromCheckpoint) is { } chosen ? new CheckpointChoice(chosen) : null;
            var clock = Stopwatch.StartNew();
            var (folder, settings, runLock) = r.GetValue(resume) is { } resumeId
                ? Resumed(resumeId, r.GetValue(runsDir)!, r.GetValue(config) is not null || (r.GetValue(set)?.Length ?? 0) > 0
                    || r.GetValue(baseCheckpoint) is not null)
                : Fresh(r.GetValue(config)?.FullName, Overrides(r.GetValue(set), r.GetValue(baseCheckpoint)), r.GetValue(runId),
                        r.GetValue(runsDir)!);
            using var held = runLock; // one process per run folder, for this process's whole life
            var run = RunSettings.Read(settings);
            var algorithm = AlgorithmSettingsReader.Read(settings);
            NativeTorch.EnsureLoaded();
            var baseDir = run.BaseCheckpoint.Length > 0 ? Path.GetFullPath(run.BaseCheckpoint) : WarmStart(folder, settings, run);
            Console.Error.WriteLine($"train: run {folder.Id} in {folder.Root}: {run.Task}, entropy {algorithm.Entropy.Mode}, " +
                                    $"ib {(algorithm.IbEnabled ? "on" : "off")}, " +
                                    $"{algorithm.GroupsPerStep}×{algorithm.GroupSize} per step, η = {algorithm.MaxStaleness}, " +
                                    $"{run.Samplers} sampler(s), {run.Steps} steps");

            // SIGTERM and Ctrl+C stop the run the same way: the learner finishes the message it is in (a step, or a
            // checkpoint and its commit), the actor system ends at once (no cluster hand-over in one process), and the
            // command says where the run stands and how to continue it.
            using var signals = new StopSignals();
            var outcome = ConsoleProgress.Run("train", run.Steps, update =>
            {
                try
                {
                    // The run's gipo.weights (with --set) go into the actor system's config, where the weight store and fetchers read them.
                    // (The command handles SIGTERM itself: hocon/akka-node.conf turns Akka's process-exit hook off.)
                    var extra = WeightTransferSettings.ConfigOf(settings);
                    var node = TrainingNode.StartAsync(folder, settings, baseDir,
                        new NodeOptions(extra, Progress: p => update(p.Step, Describe(p.Line), p.Evaluation)) { FromCheckpoint = choice })
                        .GetAwaiter().GetResult();
                    var result = node.RunAsync(signals.Token).GetAwaiter().GetResult();
                    return signals.Signal is not null && !result.Finished ? result with { Ending = RunEnding.LeftOnRequest } : result;
                }
                catch (OperationCanceledException)
                {
                    return new RunOutcome(false, -1, -1, null, null, "stopped on request") { Ending = RunEnding.LeftOnRequest };
                }
            });
            if (!outcome.Finished)
            {
                if (outcome.Ending == RunEnding.LeftOnRequest)
                {
                    Console.Error.WriteLine($"train: stopped on request ({signals.Signal ?? "shutdown"}); {Where(folder, settings)}");
                    Console.Error.WriteLine($"continue with: gipo train --resume " +
                        $"{folder.Id}{(folder.Root == Path.GetFullPath(Path.Combine(r.GetValue(runsDir)!, folder.Id)) ? ""
                            : $" --runs-dir {Path.GetDirectoryName(folder.Root)}")}");
                    return ExitCodes.Stopped;
                }
                Console.Error.WriteLine($"error: {outcome.Error}");
                return ExitCodes.For(outcome.Ending);
            }
            var (start, last) = EvalRange(folder.Metrics); // the metrics sink rendered the final plots
            if (r.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    run_id = folder.Id, eval_pass_at_1_start = start, eval_pass_at_1 = last ?? outcome.EvalPassAt1, steps = outcome.Step,
                    policy_version = outcome.PolicyVersion, seconds = Math.Round(clock.Elapsed.TotalSeconds, 1), checkpoint = outcome.Checkpoint,
                }));
            else
                Console.WriteLine($"run {folder.Id}: held-out pass@1 {start:F3} → {last:F3} after {outcome.Step} steps; checkpoint: " +
                                  $"{outcome.Checkpoint}");
            return 0;
        }));
        return command;
    }

    /// <summary>The <c>--set</c> overrides, then <c>--base</c> as <c>run.base-checkpoint</c> (an absolute path).</summary>
    private static string[] Overrides(string[]? set, DirectoryInfo? baseCheckpoint) =>
        [.. set ?? [], .. baseCheckpoint is { } b ? [$"run.base-checkpoint={b.FullName}"] : Array.Empty<string>()];

    /// <summary>Defaults, preset and overrides merged and validated: every error before anything is written.</summary>
    private static GipoSettings Resolve(string? preset, string[] overrides)
    {
        var settings = GipoSettings.Load(preset, overrides);
        var run = RunSettings.Read(settings); // a dataset's rows are read and checked here
        AlgorithmSettingsReader.Read(settings);
        WeightTransferSettings.Read(settings);
        // The chat format and its rendering of every row, also before anything is written.
        run.CreateTask(run.BaseCheckpoint.Length > 0 ? Path.GetFullPath(run.BaseCheckpoint) : null);
        return settings;
    }

    private static (RunFolder, GipoSettings, RunLock) Fresh(string? preset, string[] overrides, string? id, string runsDir)
    {
        var settings = Resolve(preset, overrides);
        var run = RunSettings.Read(settings);
        if (run.Journal != "sqlite") throw new ArgumentException($"'gipo.run.journal' = '{run.Journal}': gipo train journals to the run folder " +
                                                                 $"(sqlite); a PostgreSQL journal is for gipo node --postgres");
        if (run.BaseCheckpoint.Length > 0) CheckBase(run);
        var folder = RunFolder.Resolve(id ?? $"{run.Task}-{DateTime.UtcNow:yyyyMMdd-HHmmss}", runsDir);
        var runLock = RunLock.Acquire(folder.Root);
        try
        {
            if (folder.Exists || File.Exists(folder.Database))
            {
                if (!RunFolderContents.NeverStarted(folder))
                    throw new ArgumentException($"run '{folder.Id}' already exists in {folder.Root}; continue it with: " +
                                                $"gipo train --resume {folder.Id}");
                Console.Error.WriteLine($"train: run '{folder.Id}' was created but never started (no journal, checkpoint or metrics): " +
                                        $"starting it with these settings");
            }
            folder.WriteConfig(settings);
            return (folder, settings, runLock);
        }
        catch
        {
            runLock.Dispose();
            throw;
        }
    }

    private static (RunFolder, GipoSettings, RunLock) Resumed(string id, string runsDir, bool overrides)
    {
        if (overrides) throw new ArgumentException("--resume continues a run with its own settings (run.conf): --config, " +
                                                   "--set and --base are not allowed with it");
        var folder = RunFolder.Resolve(id, runsDir);
        var settings = folder.ReadConfig();
        var runLock = RunLock.Acquire(folder.Root);
        try
        {
            // A journal that is gone or empty while checkpoints exist would start the run over beside them (a second
            // series of steps in metrics.jsonl, and an audit that calls it clean): refuse and say what is there.
            var journal = RunFolderContents.Journal(folder);
            var checkpoints = RunFolderContents.Checkpoints(folder);
            if (journal.IsEmpty && checkpoints.Count > 0)
                throw new InvalidDataException(
                    $"run '{folder.Id}' has checkpoints ({RunFolderContents.Describe(checkpoints)}) but " +
                    $"{(File.Exists(folder.Database) ? "an empty journal" : "no journal")} " +
                    $"({folder.Database}), which records which checkpoint is current and which groups were trained: " +
                    $"resuming would start the run over. " +
                    $"Restore journal.db, or continue the newest checkpoint's policy as a new run: " +
                    $"gipo train --config {folder.ConfigFile} --base {checkpoints[^1]} --run-id {folder.Id}-continued");
            var committed = journal.IsEmpty ? null
                : RunFolderContents.Replay(folder, journal, RunSettings.Read(settings).Ledger(AlgorithmSettingsReader.Read(settings))).LastCheckpoint;
            foreach (var leftover in RunLeftovers.Remove(folder, committed))
                Console.Error.WriteLine($"train: removed {Path.GetRelativePath(folder.Root, leftover)}, left by an interrupted run " +
                                        $"(not in the journal)");
            return (folder, settings, runLock);
        }
        catch
        {
            runLock.Dispose();
            throw;
        }
    }

    /// <summary>Where a stopped run stands by its journal: the learner step and the checkpoint a resume starts from.</summary>
    private static string Where(RunFolder folder, GipoSettings settings)
    {
        try
        {
            var status = RunFolderContents.Journal(folder).Replay(RunSettings.Read(settings).Ledger(AlgorithmSettingsReader.Read(settings))).Status;
            return status.LastCheckpoint is { } c
                ? $"learner at step {status.LearnerStep}; a resume starts from the checkpoint of step {c.LearnerStep} " +
                  $"({Gipo.Cluster.Coordination.CheckpointPath.Folder(folder.Root, c.Path)})"
                : $"learner at step {status.LearnerStep}; no checkpoint yet, a resume starts from the base model";
        }
        catch (Exception e) when (e is InvalidDataException or IOException or InvalidOperationException)
        {
            return $"its journal could not be read ({e.Message})";
        }
    }

    /// <summary>The base checkpoint is readable and its tokenizer can write the task's texts, before a run folder is made.</summary>
    private static void CheckBase(RunSettings run)
    {
        var dir = Path.GetFullPath(run.BaseCheckpoint);
        if (!Directory.Exists(dir)) throw new ArgumentException($"base checkpoint '{run.BaseCheckpoint}' does not exist " +
                                                                $"('gipo.run.base-checkpoint' / --base)");
        var config = HfCheckpoint.ReadConfig(dir);
        var (tokenizer, _) = CheckpointTokenizer.Load(dir, config);
        var task = run.CreateTask(dir); // a built-in task or the run's dataset
        TokenizerAlphabet.Require(tokenizer,
                                  task.Sample(run.TrainSplit, Math.Min(run.PromptCount, 256), run.Seed).SelectMany(p => new[] { p.Prompt, p.Answer }),
            $"base checkpoint {dir}");
    }

    /// <summary>The SFT warm start into the run folder (reused when a previous attempt finished it).</summary>
    private static string WarmStart(RunFolder folder, GipoSettings settings, RunSettings run)
    {
        var checkpoint = Path.Combine(folder.Sft, "checkpoint");
        if (File.Exists(Path.Combine(checkpoint, HfCheckpoint.ConfigFile)) && File.Exists(Path.Combine(checkpoint, HfCheckpoint.WeightsFile)))
        {
            Console.Error.WriteLine($"train: SFT warm start already done ({checkpoint})");
            return checkpoint;
        }
        var sft = SftSettings.Read(settings);
        var options = new SftOptions
        {
            Task = run.Task, TargetPassAt1 = sft.TargetPassAt1, MaxSteps = sft.MaxSteps, BatchSize = sft.Batch, LearningRate = sft.LearningRate,
            FinalLearningRateFraction = sft.FinalLrFraction,
            EvalEvery = sft.EvalEvery, EvalPrompts = sft.EvalPrompts, Seed = run.Seed,
        }.ValidateSettings();
        // The warm start's policy is char-level and has no chat template, so chat-format auto renders plain prompts.
        var task = run.CreateTask(null);
        // The run's thread count holds for the warm start too: more intra-op threads than free cores (two on the
        // quickstart's machine) make every SFT step wait on descheduled threads.
        if (run.TorchThreads > 0) TorchRuntime.SetThreads(run.TorchThreads);
        TorchSharp.torch.manual_seed(run.Seed);
        var tokenizer = CharTokenizer.Default;
        var shape = ModelConfig.Tiny(tokenizer.VocabSize, tokenizer.EosId, tokenizer.PadId, tokenizer.BosId) with
        {
            HiddenSize = sft.Hidden, NumLayers = sft.Layers, NumHeads = sft.Heads, NumKvHeads = sft.Heads, HeadDim = sft.Hidden / sft.Heads,
            IntermediateSize = sft.Intermediate,
        };
        using var model = new PolicyModel(shape.Validate(), TorchRuntime.ResolveDevice(run.Device));
        Console.Error.WriteLine($"train: SFT warm start of {model.Config.ParameterCount():N0} parameters (no base checkpoint in the config), " +
                                $"log {Path.Combine(folder.Sft, "sft.jsonl")}");
        var result = ConsoleProgress.Run("sft", options.MaxSteps, update =>
            new SftTrainer(model, tokenizer, tokenizer.ToJson()).Run(task, options, folder.Sft, new SftProgressLines(update)));
        MetricsPlots.RenderSft(Path.Combine(folder.Sft, "sft.jsonl"), folder.Sft);
        Console.Error.WriteLine($"train: SFT held-out pass@1 {result.EvalPassAt1:F3} after {result.Steps} steps in {result.Seconds:F0} s");
        return result.Checkpoint;
    }

    private static string Describe(JsonObject line)
    {
        string F(string key, string format) => line[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d.ToString(format) : "–";
        var buckets = line["bucket_entropy"] is JsonArray a
            ? string.Join(" ", a.Select(x => x is JsonValue v && v.TryGetValue<double>(out var d) ? d.ToString("F2") : "–")) : "";
        return $"v{line["policy_version"]} reward {F("reward_mean", "F2")} pass@1 {F("eval_pass_at_1", "F3")} H[{buckets}] " +
               $"stale {F("staleness_mean", "F2")} {F("samples_per_second", "F1")} samples/s idle {F("learner_idle_fraction", "P0")}";
    }

    /// <summary>The first and last held-out pass@1 of a metrics log.</summary>
    internal static (double? First, double? Last) EvalRange(string metrics)
    {
        double? first = null, last = null;
        if (!File.Exists(metrics)) return (null, null);
        using var stream = new FileStream(metrics, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } text)
        {
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                continue; // a line torn by a kill mid-write (or one being written now): not a result
            }
            if (node is JsonObject o && o["eval_pass_at_1"] is JsonValue v && v.TryGetValue<double>(out var e))
            {
                first ??= e;
                last = e;
            }
        }
        return (first, last);
    }
}
