using System.Text.Json;

namespace Gipo.Bench.Tests;

/// <summary><c>gipo-bench model</c> through the real process, on a tiny model without the PyTorch baseline.</summary>
public sealed class ModelBenchTests
{
    [Fact]
    public void Bench_model_reports_positive_throughput_as_json()
    {
        var r = BenchProcess.Run(["model", "--hidden", "64", "--layers", "1", "--intermediate", "128", "--train-batch", "2", "--train-seq", "16",
            "--train-steps", "2", "--warmup", "1", "--decode-batches", "1,4", "--new-tokens", "4", "--no-baseline", "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.LastLine);
        var gipo = json.RootElement.GetProperty("gipo");
        Assert.True(gipo.GetProperty("train_tokens_per_s").GetDouble() > 0);
        Assert.True(gipo.GetProperty("decode").GetProperty("4").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("pytorch").ValueKind);
    }
}
