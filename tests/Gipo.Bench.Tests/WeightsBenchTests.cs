using System.Text.Json;

namespace Gipo.Bench.Tests;

/// <summary><c>gipo-bench weights</c> through the real process, with tiny blobs (about 15 s: two clusters form and leave).</summary>
public sealed class WeightsBenchTests
{
    [Fact]
    public void Json_has_a_row_per_node_count_and_blob_with_verified_latencies()
    {
        var r = BenchProcess.Run(["weights", "--nodes", "1,2", "--sizes", "64KiB,300KB", "--reps", "2", "--warmup", "1", "--json"],
                                 timeoutSeconds: 180);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.LastLine);
        var root = json.RootElement;
        Assert.True(root.GetProperty("one_process").GetBoolean());
        Assert.Equal(256 * 1024, root.GetProperty("chunk_bytes").GetInt32());
        var rows = root.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([(1, "64KiB"), (1, "300KB"), (2, "64KiB"), (2, "300KB")],
            rows.Select(x => (x.GetProperty("sampler_nodes").GetInt32(), x.GetProperty("blob").GetString()!)));
        Assert.Equal([65536L, 300000L, 65536L, 300000L], rows.Select(x => x.GetProperty("bytes").GetInt64()));
        foreach (var row in rows)
        {
            Assert.Equal(2, row.GetProperty("ms").GetArrayLength());
            Assert.True(row.GetProperty("median_ms").GetDouble() > 0, row.ToString());
            Assert.True(row.GetProperty("max_ms").GetDouble() >= row.GetProperty("median_ms").GetDouble(), row.ToString());
            Assert.Equal(0, row.GetProperty("unreachable").GetInt32());
        }
    }

    [Fact]
    public void A_bad_size_is_refused_with_its_option()
    {
        var r = BenchProcess.Run(["weights", "--sizes", "lots"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--sizes", r.Stderr);
    }
}
