using System.CommandLine;
using System.Text.Json;
using Gipo.Cluster.Metrics;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model;
using Gipo.Model.Training;

namespace Gipo.Cli;

/// <summary><c>gipo sft</c>: supervised warm-start of a fresh tiny policy on a synthetic task.</summary>
internal static class SftCommand
{
    public static Command Create()
    {
        var task =
            new Option<string>("--task") { Description = "column-add | countdown | swap-sort | mod-chain", DefaultValueFactory = _ => "column-add" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "run folder (default runs/sft-<task>-<time>); " +
                                                                         "the checkpoint goes to <out>/checkpoint" };
        var target = new Option<double>("--target-pass-at-1") { Description = "stop when held-out sampled pass@1 reaches this",
                                                               DefaultValueFactory = _ => 0.3 };
        var maxSteps = new Option<int>("--max-steps") { Description = "step limit", DefaultValueFactory = _ => 2000 };
        var batch = new Option<int>("--batch-size") { Description = "sequences per step", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "peak AdamW learning rate (cosine schedule)", DefaultValueFactory = _ => 1e-3 };
        var finalLr = new Option<double>("--final-lr-fraction") { Description = "the cosine ends at this fraction of --lr " +
                                                                                "(1 = constant after warm-up)", DefaultValueFactory = _ => 0.1 };
        var evalEvery = new Option<int>("--eval-every") { Description = "steps between held-out evaluations", DefaultValueFactory = _ => 50 };
        var evalPrompts = new Option<int>("--eval-prompts") { Description = "held-out prompts per evaluation", DefaultValueFactory = _ => 200 };
        var evalSplit = new Option<string>("--eval-split") { Description = "held-out split of the evaluations that stop the run: " +
                                                                           "sft-test | rl-test | ood", DefaultValueFactory = _ => "sft-test" };
        var minutes = new Option<double?>("--time-budget-minutes") { Description = "wall-clock limit; evaluates and saves when reached" };
        var seed = new Option<int>("--seed") { Description = "seed of data, initialisation and evaluation", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = one per core)", DefaultValueFactory = _ => 0 };
        var hidden = new Option<int>("--hidden") { Description = "model width (the §E.1 tiny model: 256)", DefaultValueFactory = _ => 256 };
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => 4 };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => 4 };
        var intermediate = new Option<int>("--intermediate") { Description = "SwiGLU width", DefaultValueFactory = _ => 704 };
        var json = new Option<bool>("--json") { Description = "last output line: {eval_pass_at_1, steps, seconds, checkpoint}" };
        var command = new Command("sft", "Supervised warm-start on solver solutions; writes a Hugging Face-layout checkpoint.")
        {
            task, output, target, maxSteps, batch, lr, finalLr, evalEvery, evalPrompts, evalSplit, minutes, seed, device, threads, hidden, layers,
            heads, intermediate, json,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var options = new SftOptions
            {
                Task = r.GetValue(task)!,
                TargetPassAt1 = r.GetValue(target),
                MaxSteps = r.GetValue(maxSteps),
                BatchSize = r.GetValue(batch),
                LearningRate = r.GetValue(lr),
                FinalLearningRateFraction = r.GetValue(finalLr),
                EvalEvery = r.GetValue(evalEvery),
                EvalPrompts = r.GetValue(evalPrompts),
                EvalSplit = SplitExtensions.Parse(r.GetValue(evalSplit)!, [Split.SftTest, Split.RlTest, Split.Ood]),
                TimeBudget = r.GetValue(minutes) is { } m ? TimeSpan.FromMinutes(m) : null,
                Seed = r.GetValue(seed),
            }.Validate();
            var outDir = r.GetValue(output)?.FullName
                ?? Path.GetFullPath(Path.Combine("runs", $"sft-{options.Task}-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));

            TorchRuntime.SetThreads(r.GetValue(threads));
            var dev = TorchRuntime.ResolveDevice(r.GetValue(device)!);
            TorchSharp.torch.manual_seed(options.Seed);
            var tokenizer = CharTokenizer.Default;
            var shape = ModelConfig.Tiny(tokenizer.VocabSize, tokenizer.EosId, tokenizer.PadId, tokenizer.BosId) with
            {
                HiddenSize = r.GetValue(hidden), NumLayers = r.GetValue(layers), NumHeads = r.GetValue(heads), NumKvHeads = r.GetValue(heads),
                HeadDim = r.GetValue(hidden) / Math.Max(1, r.GetValue(heads)), IntermediateSize = r.GetValue(intermediate),
            };
            using var model = new PolicyModel(shape.Validate(), dev);
            Console.Error.WriteLine($"sft: {options.Task}, {model.Config.ParameterCount():N0} parameters on {dev}, " +
                                    $"log {Path.Combine(outDir, "sft.jsonl")}");

            var log = Path.Combine(outDir, "sft.jsonl");
            var result = ConsoleProgress.Run("sft", options.MaxSteps, update =>
                new SftTrainer(model, tokenizer, tokenizer.ToJson()).Run(options, outDir, new SftProgressLines((value, text, evaluation) =>
                {
                    update(value, text, evaluation);
                    if (evaluation) MetricsPlots.RenderSft(log, outDir); // refreshed during the run, not only at the end
                })));
            var plots = MetricsPlots.RenderSft(log, outDir);
            Console.Error.WriteLine($"sft: plots {string.Join(", ", plots.Select(Path.GetFileName))} in {outDir}");

            if (r.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    eval_pass_at_1 = result.EvalPassAt1, steps = result.Steps, seconds = Math.Round(result.Seconds, 1),
                    checkpoint = result.Checkpoint, reached_target = result.ReachedTarget,
                }));
            else
                Console.WriteLine($"held-out pass@1 {result.EvalPassAt1:F3} after {result.Steps} steps in {result.Seconds:F0} s " +
                                  $"({(result.ReachedTarget ? "target reached" : "target NOT reached")}); checkpoint: {result.Checkpoint}");
            return 0;
        }));
        return command;
    }
}
