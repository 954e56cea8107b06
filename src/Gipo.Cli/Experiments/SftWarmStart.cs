using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Cluster.Metrics;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Training;

namespace Gipo.Cli.Experiments;

/// <summary>
/// A task's SFT warm start for an experiment: built once (the same <see cref="SftTrainer"/> as <c>gipo sft</c>) into
/// <c>sft/&lt;task&gt;-&lt;hash12&gt;/</c> and reused by every later invocation and every plan with the same settings,
/// or a named checkpoint reused as it is. A built warm start must end inside its pass@1 band, else the experiment stops.
/// </summary>
public static class SftWarmStart
{
    public const string SummaryFile = "sft.json";

    /// <summary>The warm start of <paramref name="task"/>: reused when its folder has a summary, else built (with <paramref name="threads"/> CPU
    /// threads).</summary>
    /// <exception cref="InvalidDataException">The warm start ended outside its band, or its checkpoint no longer matches its summary.</exception>
    public static SftWarmStartResult Prepare(PlanTask task, ExperimentLayout layout, int threads)
    {
        var sft = task.Sft;
        if (sft.Checkpoint is { } reused)
        {
            var digest = CheckpointDigest.Compute(reused);
            var reusedFolder = layout.Sft(task.Name, digest);
            if (!File.Exists(Path.Combine(reusedFolder, SummaryFile)))
                WriteSummary(reusedFolder, task, digest, null, null, 0, digest, reused, inBand: null);
            Console.Error.WriteLine($"experiment: task {task.Name}: reusing the checkpoint {reused} (sha256 {digest[..12]})");
            return new SftWarmStartResult(task.Name, digest, reusedFolder, reused, null);
        }

        var hash = sft.SettingsHash(task.ReasoningTask);
        var folder = layout.Sft(task.Name, hash);
        var checkpoint = Path.Combine(folder, "checkpoint");
        var summaryPath = Path.Combine(folder, SummaryFile);
        if (File.Exists(summaryPath)) return Reuse(task, hash, folder, checkpoint, summaryPath);

        var options = new SftOptions
        {
            Task = task.ReasoningTask, TargetPassAt1 = sft.Band!.Low, MaxSteps = sft.MaxSteps, BatchSize = sft.Batch, LearningRate = sft.LearningRate,
            FinalLearningRateFraction = sft.FinalLrFraction, EvalEvery = sft.EvalEvery, EvalPrompts = sft.EvalPrompts, Seed = sft.Seed,
            EvalSplit = SplitExtensions.Parse(sft.EvalSplit),
        }.Validate();
        TorchRuntime.SetThreads(threads);
        TorchSharp.torch.manual_seed(sft.Seed);
        var tokenizer = CharTokenizer.Default;
        var shape = ModelConfig.Tiny(tokenizer.VocabSize, tokenizer.EosId, tokenizer.PadId, tokenizer.BosId) with
        {
            HiddenSize = sft.Hidden, NumLayers = sft.Layers, NumHeads = sft.Heads, NumKvHeads = sft.Heads, HeadDim = sft.Hidden / sft.Heads,
            IntermediateSize = sft.Intermediate,
        };
        using var model = new PolicyModel(shape.Validate(), TorchRuntime.ResolveDevice("auto"));
        Console.Error.WriteLine($"experiment: task {task.Name}: building the SFT warm start ({model.Config.ParameterCount():N0} parameters, " +
                                $"stop when {sft.EvalSplit} pass@1 enters [{sft.Band.Low}, {sft.Band.High}], " +
                                $"at most {sft.MaxSteps} steps) in {folder}");
        var result = ConsoleProgress.Run($"sft {task.Name}", options.MaxSteps, update =>
            new SftTrainer(model, tokenizer, tokenizer.ToJson()).Run(options, folder, new SftProgressLines(update)));
        MetricsPlots.RenderSft(Path.Combine(folder, "sft.jsonl"), folder);
        var error = sft.Band.Check(task.Name, result.EvalPassAt1, result.Steps, sft.MaxSteps, sft.EvalSplit);
        // The summary is written in or out of the band: a rerun with the same settings would end the same way, so it
        // reports the recorded result instead of training again.
        WriteSummary(folder, task, hash, result.EvalPassAt1, result.Steps, result.Seconds, CheckpointDigest.Compute(result.Checkpoint),
                     result.Checkpoint, error is null);
        if (error is not null) throw new InvalidDataException($"{error}; its log is {Path.Combine(folder, "sft.jsonl")}");
        Console.Error.WriteLine($"experiment: task {task.Name}: SFT {sft.EvalSplit} pass@1 {result.EvalPassAt1:F3} after {result.Steps} steps in " +
                                $"{result.Seconds:F0} s");
        return new SftWarmStartResult(task.Name, hash, folder, result.Checkpoint, result.EvalPassAt1);
    }

    private static SftWarmStartResult Reuse(PlanTask task, string hash, string folder, string checkpoint, string summaryPath)
    {
        var summary = JsonNode.Parse(File.ReadAllText(summaryPath)) as JsonObject
            ?? throw new InvalidDataException($"{summaryPath} is not a JSON object; delete the folder {folder} to build the warm start again");
        var passAt1 = summary["pass_at_1"]?.GetValue<double>() ?? double.NaN;
        var steps = summary["steps"]?.GetValue<int>() ?? 0;
        var sft = task.Sft;
        if (sft.Band!.Check(task.Name, passAt1, steps, sft.MaxSteps, sft.EvalSplit) is { } error)
            throw new InvalidDataException($"{error} (recorded in {summaryPath}; change the plan's sft settings to build another)");
        var recorded = summary["checkpoint_sha256"]?.GetValue<string>();
        var actual = CheckpointDigest.Compute(checkpoint);
        if (recorded != actual)
            throw new InvalidDataException($"the SFT checkpoint {checkpoint} changed since it was built (sha256 {actual[..12]}, " +
                                           $"recorded {recorded?[..Math.Min(12, recorded.Length)]}); delete {folder} to build it again");
        Console.Error.WriteLine($"experiment: task {task.Name}: SFT warm start {hash[..12]} already built " +
                                $"({sft.EvalSplit} pass@1 {passAt1:F3} after {steps} steps)");
        return new SftWarmStartResult(task.Name, hash, folder, checkpoint, passAt1);
    }

    private static void WriteSummary(string folder, PlanTask task, string hash, double? passAt1, int? steps, double seconds,
                                     string checkpointSha256, string checkpoint, bool? inBand)
    {
        var summary = new JsonObject
        {
            ["task"] = task.Name, ["reasoning_task"] = task.ReasoningTask, ["hash"] = hash,
            ["settings"] = JsonSerializer.SerializeToNode(task.Sft.Settings(task.ReasoningTask)),
            ["pass_at_1"] = passAt1, ["steps"] = steps, ["seconds"] = Math.Round(seconds, 1), ["checkpoint_sha256"] = checkpointSha256,
            ["checkpoint"] = checkpoint, ["eval_split"] = task.Sft.Checkpoint is null ? task.Sft.EvalSplit : null,
            ["band"] = task.Sft.Band is { } b ? new JsonArray(b.Low, b.High) : null, ["in_band"] = inBand,
        };
        AtomicFile.WriteText(Path.Combine(folder, SummaryFile), summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
