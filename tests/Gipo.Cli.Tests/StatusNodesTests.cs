using System.Text.Json;
using Gipo.Cluster.Coordination;

namespace Gipo.Cli.Tests;

/// <summary>The per-node section of <c>gipo status</c> (<c>nodes</c> in <c>--json</c>, a line per node in text) on a journal built here.</summary>
public sealed class StatusNodesTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private const string Learner = "akka.tcp://gipo@127.0.0.1:4053/user/sampler-0#1";
    private const string Joined = "akka.tcp://gipo@127.0.0.1:4054/user/sampler-0#2";

    // The learner node's sampler delivers two groups; the node that joined gets one lease, which expires.
    private static readonly RunJournal Journal = new("r", [
        new GroupIssued(1, 0, 0, 1, 0, 0, Learner, T0 + Lease), new GroupIssued(2, 1, 1, 2, 0, 0, Joined, T0 + Lease),
        new GroupIssued(3, 2, 2, 3, 0, 0, Learner, T0 + Lease), new GroupScored(1, 0, true, 8, 0.5), new GroupScored(3, 0, true, 8, 0.5),
        new GroupDropped(2, DropReason.LeaseExpiredReissued),
    ], 6, null, 0)
    {
        EventTimesUtc = [T0, T0, T0, T0.AddSeconds(10), T0.AddSeconds(20), T0.AddSeconds(40)],
    };

    [Fact(DisplayName = "status --json: nodes has each node's leases issued/completed/re-issued, samples delivered, samples/s and last seen")]
    public void Json_fields()
    {
        var json = JsonSerializer.Serialize(StatusCommand.NodesJson(NodeActivityTally.Of(Journal, Lease)));
        var nodes = JsonDocument.Parse(json).RootElement;
        Assert.Equal(2, nodes.GetArrayLength());
        var learner = nodes[0];
        Assert.Equal("127.0.0.1:4053", learner.GetProperty("node").GetString());
        Assert.Equal(2, learner.GetProperty("leases_issued").GetInt64());
        Assert.Equal(2, learner.GetProperty("leases_completed").GetInt64());
        Assert.Equal(0, learner.GetProperty("leases_reissued").GetInt64());
        Assert.Equal(16, learner.GetProperty("samples_delivered").GetInt64());
        Assert.Equal(Math.Round(16 / 40.0, 3), learner.GetProperty("samples_per_second").GetDouble()); // 40 s of journal, all in the window
        Assert.Equal("2026-01-01T12:00:20.000Z", learner.GetProperty("last_seen").GetString());
        var joined = nodes[1];
        Assert.Equal("127.0.0.1:4054", joined.GetProperty("node").GetString());
        Assert.Equal((1L, 0L, 1L, 0L), (joined.GetProperty("leases_issued").GetInt64(), joined.GetProperty("leases_completed").GetInt64(),
            joined.GetProperty("leases_reissued").GetInt64(), joined.GetProperty("samples_delivered").GetInt64()));
        Assert.Equal(0.0, joined.GetProperty("samples_per_second").GetDouble());
        Assert.Equal("2026-01-01T12:00:00.000Z", joined.GetProperty("last_seen").GetString());
    }

    [Fact(DisplayName = "status text: a header and one line per node, last seen with its age")]
    public void Text_lines()
    {
        var lines = StatusCommand.NodesText(NodeActivityTally.Of(Journal, Lease), 0, T0.AddSeconds(50));
        Assert.Equal(3, lines.Count);
        Assert.Contains("leases issued / completed / re-issued", lines[0]);
        Assert.Equal("    127.0.0.1:4053: 2 / 2 / 0, 16 samples, 0.40 samples/s, last seen 2026-01-01 12:00:20 UTC (30 s ago)", lines[1]);
        Assert.Equal("    127.0.0.1:4054: 1 / 0 / 1, 0 samples, 0.00 samples/s, last seen 2026-01-01 12:00:00 UTC (50 s ago)", lines[2]);
        Assert.Equal(["  nodes: none has leased work yet"], StatusCommand.NodesText([], 0, T0));
    }
}
