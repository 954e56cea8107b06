using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gipo.Cluster.Configuration;
using Gipo.Core.Tasks;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Evaluation;
using Spectre.Console;

namespace Gipo.Cli;

/// <summary><c>gipo eval</c>: the §E.2/§E.3 evaluation of a checkpoint on a task.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<DirectoryInfo>("--checkpoint") { Description = "Hugging Face-layout checkpoint folder", Required = true };
        var task = new Option<string>("--task") { Description = "column-add | countdown | swap-sort | mod-chain", Required = true };
        var split = new Option<string>("--split") { Description = "sft-test | rl-test | ood", DefaultValueFactory = _ => "rl-test" };
        var prompts = new Option<int>("--prompts") { Description = "held-out prompts", DefaultValueFactory = _ => 200 };
        var samples = new Option<int>("--samples") { Description = "samples per prompt (n)", DefaultValueFactory = _ => 16 };
        var ks = new Option<string>("--k") { Description = "pass@k values, comma-separated (each <= n)", DefaultValueFactory = _ => "1,2,4,8,16" };
        var budgets = new Option<string>("--budgets") { Description = "token-budget multipliers of L_ref ('' = skip)",
                                                       DefaultValueFactory = _ => "0.5,0.75,1,1.5" };
        var maxNew = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 160 };
        var temperature = new Option<double>("--temperature") { DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = one per core)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print one JSON object (pass_at_1, pass_at_k, greedy_accuracy, distinct_correct, " +
                                                              "n_prompts, n_samples, …)" };
        var perPrompt = new Option<FileInfo?>("--per-prompt")
        {
            Description = "also write FILE: one JSON line per prompt, in prompt order {prompt_index, prompt, n, correct, pass_at_k, " +
                          "distinct_correct, " +
                          "greedy_correct, budget_correct, response_tokens_mean}, for paired comparisons of checkpoints evaluated " +
                          "with the same --seed",
        };
        var command = new Command("eval", "Evaluate a checkpoint: pass@k, greedy accuracy, diversity and token budgets.")
        {
            checkpoint, task, split, prompts, samples, ks, budgets, maxNew, temperature, seed, device, threads, json, perPrompt,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            // The per-bucket entropy segments steps as training does: the algorithm keys of hocon/gipo.conf.
            var algorithm = AlgorithmSettingsReader.Read(GipoSettings.Load());
            var options = new EvaluationOptions
            {
                StepDelimiter = algorithm.StepDelimiter, AnswerMarker = algorithm.AnswerMarker, Buckets = algorithm.Buckets,
                Split = SplitExtensions.Parse(r.GetValue(split)!, [Split.SftTest, Split.RlTest, Split.Ood]),
                Prompts = r.GetValue(prompts), SamplesPerPrompt = r.GetValue(samples),
                Ks = ParseList(r.GetValue(ks)!, int.Parse, "--k"), Budgets = ParseList(r.GetValue(budgets)!, double.Parse, "--budgets"),
                MaxNewTokens = r.GetValue(maxNew), Temperature = r.GetValue(temperature), Seed = r.GetValue(seed),
            };
            var reasoningTask = ReasoningTasks.Get(r.GetValue(task)!);
            TorchRuntime.SetThreads(r.GetValue(threads));
            var dev = TorchRuntime.ResolveDevice(r.GetValue(device)!);
            var dir = r.GetValue(checkpoint)!.FullName;
            // A learner checkpoint lists every file's SHA-256 in its manifest: a corrupted one is refused, not used.
            if (File.Exists(Path.Combine(dir, LearnerCheckpoint.ManifestFile))) LearnerCheckpoint.Verify(dir);
            using var model = HfCheckpoint.Load(dir, dev);
            model.eval();
            var (tokenizer, _) = CheckpointTokenizer.Load(dir, model.Config);
            var report = Evaluation.Run(model, tokenizer, reasoningTask, options, m => Console.Error.WriteLine($"eval: {m}"));
            if (r.GetValue(perPrompt) is { } file) WritePerPrompt(file.FullName, report);

            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    task = report.Task, split = report.Split,
                    pass_at_1 = report.PassAt1,
                    pass_at_k = report.PassAtK.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
                    greedy_accuracy = report.GreedyAccuracy,
                    distinct_correct = report.DistinctCorrect,
                    distinct_correct_fraction = report.DistinctCorrectFraction,
                    distinct_n = report.DistinctN.ToDictionary(kv => kv.Key.ToString(), kv => double.IsFinite(kv.Value) ? kv.Value : (double?)null),
                    reference_length = report.ReferenceLength,
                    bucket_entropy = report.BucketEntropy.Select(v => double.IsFinite(v) ? v : (double?)null),
                    budget_accuracy = report.BudgetAccuracy.ToDictionary(kv => BudgetKey(kv.Key), kv => kv.Value),
                    n_prompts = report.Prompts, n_samples = report.SamplesPerPrompt,
                }));
                return 0;
            }
            var table = new Table().AddColumns("metric", "value");
            table.AddRow("task / split", $"{report.Task} / {report.Split}");
            table.AddRow("prompts × samples", $"{report.Prompts} × {report.SamplesPerPrompt}");
            table.AddRow("pass@1 (sampled)", report.PassAt1.ToString("F3"));
            foreach (var (k, v) in report.PassAtK.Where(kv => kv.Key > 1)) table.AddRow($"pass@{k}", v.ToString("F3"));
            table.AddRow("greedy accuracy", report.GreedyAccuracy.ToString("F3"));
            table.AddRow($"distinct-correct@{report.SamplesPerPrompt}", $"{report.DistinctCorrect:F2} ({report.DistinctCorrectFraction:F3})");
            foreach (var (n, v) in report.DistinctN) table.AddRow($"distinct-{n}", double.IsFinite(v) ? v.ToString("F3") : "–");
            foreach (var (beta, v) in report.BudgetAccuracy) table.AddRow($"greedy acc @ {beta}·L_ref " +
                                                                          $"({Math.Round(beta * report.ReferenceLength)} tok)", v.ToString("F3"));
            table.AddRow("entropy per step bucket (nats)",
                         string.Join("  ", report.BucketEntropy.Select((v, b) => $"b{b}: {(double.IsFinite(v) ? v.ToString("F3") : "–")}")));
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The per-prompt file of <c>--per-prompt</c> (written whole, then renamed into place, so a reader never sees a
    /// partial evaluation): one JSON object per prompt, in the order of the seeded prompt sample.
    /// </summary>
    internal static void WritePerPrompt(string path, EvaluationReport report)
    {
        var text = new StringBuilder();
        foreach (var p in report.PerPrompt)
            text.Append(JsonSerializer.Serialize(new
            {
                prompt_index = p.Index, prompt = p.Prompt, n = p.Samples, correct = p.Correct,
                pass_at_k = p.PassAtK.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value),
                distinct_correct = p.DistinctCorrect, greedy_correct = p.GreedyCorrect ? 1 : 0,
                budget_correct = p.BudgetCorrect.ToDictionary(kv => BudgetKey(kv.Key), kv => kv.Value ? 1 : 0),
                response_tokens_mean = p.ResponseTokensMean,
            })).Append('\n');
        AtomicFile.WriteText(path, text.ToString());
    }

    /// <summary>A budget multiplier as a JSON key: shortest round-trip form, so 1.0 is "1" and 0.75 is "0.75".</summary>
    internal static string BudgetKey(double beta) => beta.ToString("R", CultureInfo.InvariantCulture);

    private static IReadOnlyList<T> ParseList<T>(string text, Func<string, T> parse, string option)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => parse(s)).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{option}: '{text}' is not a comma-separated list of numbers");
        }
    }
}
