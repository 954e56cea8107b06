using System.Text.Json;
using Xunit.Abstractions;

namespace Gipo.Cli.Tests;

/// <summary>
/// Issue 11, item 7, through the real <c>gipo train</c>: with every reward 0 (a data set whose answers the model can never
/// produce) dynamic sampling filters every group; the run used to wait at step 0 for ever, printing nothing. Now it warns
/// each round with none kept and ends after <c>max-empty-rounds</c> with the cause and a non-zero exit.
/// </summary>
public sealed class AllZeroRewardTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-zero-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(dir, true); }
        catch (IOException) { } // best effort
    }

    private string Runs => Path.Combine(dir, "runs");

    /// <summary>Addition prompts whose recorded answer is a 7-digit number no short completion of the fixture model matches.</summary>
    private string Rows(string name, int count, int seed)
    {
        var rng = new Random(seed);
        var path = Path.Combine(dir, name);
        File.WriteAllLines(path, Enumerable.Range(0, count).Select(_ =>
        {
            int a = rng.Next(10, 100), b = rng.Next(10, 100);
            return JsonSerializer.Serialize(new { q = $"Q:ADD {a} {b}", sum = 9_000_000 + a + b });
        }));
        return path;
    }

    private string[] Train(params string[] more) =>
    [
        "train", "--config", Path.Combine(AppContext.BaseDirectory, "hocon", "dataset-example.conf"),
        "--base", Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small"), "--runs-dir", Runs, "--run-id", "zero",
        "--set", $"dataset.train={Rows("train.jsonl", 40, 1)}", "--set", $"dataset.test={Rows("test.jsonl", 4, 2)}",
        "--set", "dataset.prompt-field=q", "--set", "dataset.answer-field=sum",
        "--set", "dataset.template={prompt}\\n", "--set", "dataset.verifier=numeric", "--set", "dataset.answer-pattern=A:([0-9]+)",
        "--set", "run.steps=2", "--set", "run.eval-prompts=4", "--set", "run.eval-samples=1",
        "--set", "algorithm.batch.groups-per-step=2", "--set", "algorithm.batch.group-size=4", "--set", "algorithm.batch.max-new-tokens=12",
        "--set", "algorithm.dynamic-sampling.enabled=on", "--set", "algorithm.optim.minibatches=1", "--set", "algorithm.gsec.answer-marker=^A:",
        .. more,
    ];

    [Fact(DisplayName = "every reward 0: warnings while no group is kept, then the run ends after max-empty-rounds with the cause and exit 2")]
    public void All_zero_rewards_end_the_run()
    {
        var r = GipoProcess.Run(Train("--set", "algorithm.dynamic-sampling.max-empty-rounds=3"), timeoutSeconds: 300);
        output.WriteLine(r.Stderr);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}, expected 2:\n{r.Stderr}");
        // A warning for the rounds before the cap, then the cause on the error line.
        Assert.Contains("[WARNING]", r.Stderr);
        Assert.Contains("still generating, the run ends after max-empty-rounds = 3", r.Stderr);
        var error = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("no group kept for step 1", error);
        Assert.Contains("max-empty-rounds = 3 reached", error);
        Assert.DoesNotContain("   at ", r.Stderr);

        // Status shows the empty rounds the run ended on.
        var status = GipoProcess.Run(["status", "--run", Path.Combine(Runs, "zero"), "--json"], timeoutSeconds: 120);
        Assert.True(status.ExitCode == 0, status.Stderr);
        var json = JsonDocument.Parse(status.LastLine).RootElement;
        Assert.Equal(0, json.GetProperty("step").GetInt64());
        Assert.True(json.GetProperty("empty_rounds").GetInt64() >= 3, status.LastLine);
    }

    [Fact(DisplayName = "max-empty-rounds must be a whole number >= 0: a bad value is refused naming the key")]
    public void Bad_max_empty_rounds_is_refused()
    {
        var r = GipoProcess.Run(Train("--set", "algorithm.dynamic-sampling.max-empty-rounds=-1"), timeoutSeconds: 120);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("max-empty-rounds", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(Runs, "zero")), "no run folder for a run that cannot start");
    }
}
