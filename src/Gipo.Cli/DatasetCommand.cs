using System.CommandLine;
using System.Text.Json;
using Gipo.Cluster.Configuration;
using Gipo.Core.Datasets;

namespace Gipo.Cli;

/// <summary>
/// <c>gipo dataset</c>: <c>example</c> writes the example word-problem dataset (the files in
/// <c>examples/word-problems/</c>); <c>check</c> reads a config's dataset the way <c>gipo train</c> does and shows
/// what the model will be given.
/// </summary>
internal static class DatasetCommand
{
    public static Command Create() => new("dataset", "Datasets for run.task = dataset: write the example, check a config's files.")
    {
        Example(), Check(),
    };

    private static Command Example()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "folder for train.jsonl and test.jsonl",
                                                         DefaultValueFactory = _ => new DirectoryInfo("examples/word-problems") };
        var train = new Option<int>("--train") { Description = "training rows", DefaultValueFactory = _ => WordProblemGenerator.DefaultTrainCount };
        var test = new Option<int>("--test") { Description = "held-out rows", DefaultValueFactory = _ => WordProblemGenerator.DefaultTestCount };
        var seed = new Option<int>("--seed") { Description = "generator seed (the shipped files use the default)",
                                              DefaultValueFactory = _ => WordProblemGenerator.DefaultSeed };
        var command = new Command("example", "Write the example dataset: GSM8K-format word problems " +
                                             "(one or two additions / subtractions of small numbers).")
        {
            output, train, test, seed,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            if (r.GetValue(train) < 1 || r.GetValue(test) < 1) throw new ArgumentException("--train and --test must be at least 1");
            var dir = r.GetValue(output)!.FullName;
            var (trainRows, testRows) = WordProblemGenerator.Generate(r.GetValue(train), r.GetValue(test), r.GetValue(seed));
            Directory.CreateDirectory(dir);
            WriteAtomically(Path.Combine(dir, "train.jsonl"), WordProblemGenerator.ToJsonl(trainRows));
            WriteAtomically(Path.Combine(dir, "test.jsonl"), WordProblemGenerator.ToJsonl(testRows));
            Console.WriteLine($"dataset example: {trainRows.Count} training and {testRows.Count} held-out rows in {dir}");
            return 0;
        }));
        return command;
    }

    private static Command Check()
    {
        var config = new Option<FileInfo?>("--config") { Description = "preset naming the dataset, e.g. hocon/dataset-example.conf" };
        var set = new Option<string[]>("--set") { Description = "override a key: --set dataset.train=data/train.jsonl (repeatable)",
                                                 AllowMultipleArgumentsPerToken = false };
        var baseCheckpoint = new Option<DirectoryInfo?>("--base") { Description = "the base checkpoint " +
                                                                                  "(chat-format auto reads its tokenizer_config.json)" };
        var command = new Command("check", "Read and check a config's dataset as gipo train would; print row counts and the first rendered prompt.")
        {
            config, set, baseCheckpoint,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var overrides = new List<string>(r.GetValue(set) ?? []);
            if (r.GetValue(baseCheckpoint) is { } b) overrides.Add($"run.base-checkpoint={b.FullName}");
            var run = RunSettings.Read(GipoSettings.Load(r.GetValue(config)?.FullName, overrides));
            if (run.Dataset is null) throw new ArgumentException($"'gipo.run.task' = '{run.Task}' is a built-in task, not a dataset " +
                                                                 $"(set run.task = dataset)");
            var task = (DatasetTask)run.CreateTask(run.BaseCheckpoint.Length > 0 ? Path.GetFullPath(run.BaseCheckpoint) : null);
            var first = task.Train[0];
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                train_rows = task.Train.Count, test_rows = task.Test.Count, prompt_count = run.PromptCount,
                chat_format = task.Format.ToString().ToLowerInvariant(),
                verifier = run.Dataset.Value.Options.Verifier.Kind.ToString().ToLowerInvariant(),
                first_prompt = first.Prompt, first_gold = first.Answer, first_solution = task.Solve(first, new Random(0))[0],
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }));
        return command;
    }

    // Temp file + rename: a reader never sees half a dataset.
    private static void WriteAtomically(string path, string text)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.tmp-{Guid.NewGuid():N}");
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
