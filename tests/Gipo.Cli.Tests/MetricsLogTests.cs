namespace Gipo.Cli.Tests;

/// <summary>Issue 11, item 13: a torn last line in metrics.jsonl (a kill mid-write) does not crash status or train.</summary>
public sealed class MetricsLogTests : IDisposable
{
    private readonly string file = Path.Combine(Path.GetTempPath(), $"gipo-metrics-{Guid.NewGuid():N}.jsonl");

    public void Dispose() => File.Delete(file);

    [Fact]
    public void Torn_last_line_is_skipped()
    {
        File.WriteAllText(file, "{\"step\":0,\"eval_pass_at_1\":0.25}\n{\"step\":1}\n{\"step\":2,\"eval_pass_at_1\":0.5}\n{\"step\":3,\"eval_pa");
        Assert.Equal((0.25, 0.5), TrainCommand.EvalRange(file));
    }
}
