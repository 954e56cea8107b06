using System.Text.Json;

namespace Gipo.Cli.Tests;

/// <summary><c>gipo train</c> on a dataset file: a short run trains, and bad input stops it before a run folder exists.</summary>
public sealed class DatasetRunTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"gipo-dataset-run-{Guid.NewGuid():N}");

    public DatasetRunTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Runs => Path.Combine(dir, "runs");

    private string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    // ColumnAdd prompts in a file, so the committed char-level ColumnAdd checkpoint gets some right (a non-zero reward).
    private static IEnumerable<string> AdditionRows(int count, int seed)
    {
        var rng = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            int a = rng.Next(10, 100), b = rng.Next(10, 100);
            yield return JsonSerializer.Serialize(new { q = $"Q:ADD {a} {b}", sum = a + b });
        }
    }

    private string[] Train(string train, string test, params string[] more) =>
    [
        "train", "--config", Path.Combine(AppContext.BaseDirectory, "hocon", "dataset-example.conf"),
        "--base", Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small"), "--runs-dir", Runs, "--json",
        "--set", $"dataset.train={train}", "--set", $"dataset.test={test}", "--set", "dataset.prompt-field=q", "--set", "dataset.answer-field=sum",
        "--set", "dataset.template={prompt}\\n", "--set", "dataset.verifier=numeric", "--set", "dataset.answer-pattern=A:([0-9]+)",
        "--set", "run.steps=1", "--set", "run.eval-prompts=4", "--set", "run.eval-samples=1",
        "--set", "algorithm.batch.groups-per-step=2", "--set", "algorithm.batch.group-size=4", "--set", "algorithm.batch.max-new-tokens=24",
        "--set", "algorithm.dynamic-sampling.enabled=off", "--set", "algorithm.optim.minibatches=1", "--set", "algorithm.gsec.answer-marker=^A:",
        .. more,
    ];

    [Fact]
    public void A_tiny_dataset_run_starts_and_trains_a_step()
    {
        var train = Write("train.jsonl", AdditionRows(12, 1));
        var test = Write("test.jsonl", AdditionRows(4, 2));
        var r = GipoProcess.Run(Train(train, test, "--run-id", "tiny"), timeoutSeconds: 300);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var result = JsonDocument.Parse(r.LastLine).RootElement;
        Assert.Equal(1, result.GetProperty("steps").GetInt64());
        Assert.Equal(1, result.GetProperty("policy_version").GetInt64());
        var metrics = File.ReadAllLines(Path.Combine(Runs, "tiny", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(metrics, m => m.GetProperty("step").GetInt64() == 1);
        // The rows reached the run: its resolved settings name the dataset and its evaluation scored the test rows.
        Assert.Contains("dataset", File.ReadAllText(Path.Combine(Runs, "tiny", "run.conf")));
        Assert.Contains(metrics, m => m.TryGetProperty("eval_pass_at_1", out var e) && e.ValueKind == JsonValueKind.Number);
    }

    [Theory]
    [InlineData("""{"q": "Q:ADD 1 2", "sum": 3""", "{train}:2: not valid JSON")]
    [InlineData("""{"q": "Q:ADD 1 2"}""", "{train}:2: no answer field 'sum' (gipo.dataset.answer-field)")]
    [InlineData("""{"question": "Q:ADD 1 2", "sum": 3}""", "{train}:2: no prompt field 'q' (gipo.dataset.prompt-field)")]
    [InlineData("""{"q": ["Q:ADD 1 2"], "sum": 3}""", "{train}:2: prompt field 'q' message 1 must be an object")]
    public void A_bad_row_is_one_error_naming_file_and_line_before_any_run_folder(string badRow, string error)
    {
        var train = Write("bad.jsonl", [.. AdditionRows(1, 1), badRow, .. AdditionRows(3, 3)]);
        var test = Write("test.jsonl", AdditionRows(4, 2));
        var r = GipoProcess.Run(Train(train, test, "--run-id", "bad", "--set", "dataset.chat-format=chatml"));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"error: {error.Replace("{train}", train)}", r.Stderr.Trim());
        Assert.False(Directory.Exists(Path.Combine(Runs, "bad")), "no run folder for a run that cannot start");
    }

    [Fact]
    public void An_unknown_verifier_and_an_empty_file_are_errors_before_any_run_folder()
    {
        var train = Write("train.jsonl", AdditionRows(8, 1));
        var empty = Write("empty.jsonl", []);
        var verifier = GipoProcess.Run(Train(train, train, "--run-id", "v", "--set", "dataset.verifier=bleu"));
        Assert.Equal(1, verifier.ExitCode);
        Assert.Contains("'gipo.dataset.verifier' = 'bleu' is not one of gsm8k, math, exact, numeric, regex", verifier.Stderr);
        var emptyRun = GipoProcess.Run(Train(train, empty, "--run-id", "e"));
        Assert.Equal(1, emptyRun.ExitCode);
        Assert.Contains($"error: {empty}: no rows (the file is empty)", emptyRun.Stderr);
        Assert.False(Directory.Exists(Runs) && Directory.EnumerateDirectories(Runs).Any(), "no run folder for a run that cannot start");
    }

    [Fact]
    public void Dataset_check_shows_the_rendered_prompt_of_the_shipped_example()
    {
        var r = GipoProcess.Run(["dataset", "check", "--config", Path.Combine(AppContext.BaseDirectory, "hocon", "dataset-example.conf"),
            "--set", $"dataset.train={Path.Combine(AppContext.BaseDirectory, "examples", "word-problems", "train.jsonl")}",
            "--set", $"dataset.test={Path.Combine(AppContext.BaseDirectory, "examples", "word-problems", "test.jsonl")}",
            "--set", "dataset.chat-format=llama3"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var check = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal(2000, check.GetProperty("train_rows").GetInt32());
        Assert.Equal(200, check.GetProperty("test_rows").GetInt32());
        Assert.Equal("llama3", check.GetProperty("chat_format").GetString());
        Assert.StartsWith("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n", check.GetProperty("first_prompt").GetString());
        Assert.EndsWith("#### " + check.GetProperty("first_gold").GetString(), check.GetProperty("first_solution").GetString());
    }
}
