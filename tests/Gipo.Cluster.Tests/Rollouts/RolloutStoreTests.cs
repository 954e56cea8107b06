using System.IO.Compression;
using System.Text.Json.Nodes;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Rollouts;
using Gipo.Core.Algorithm;

namespace Gipo.Cluster.Tests.Rollouts;

public sealed class RolloutStoreTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-rollouts-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static JsonObject Line(long step, string kind = "group", long group = 0) => new()
    {
        ["schema"] = RolloutStore.SchemaVersion, ["kind"] = kind, ["step"] = step, ["status"] = RolloutRecords.Consumed, ["group_id"] = group,
    };

    private static List<(long Step, long Group)> Steps(RolloutStore store) =>
        [.. store.Read().Select(x => (x.Line["step"]!.GetValue<long>(), x.Line["group_id"]!.GetValue<long>()))];

    [Fact(DisplayName = "Steps append gzip members to their checkpoint interval's file; any gzip reader sees one JSONL stream")]
    public void Appends_per_interval_and_reads_back()
    {
        var store = new RolloutStore(dir);
        store.Append(1, 1, [Line(1, group: 10), Line(1, group: 11)]);
        store.Append(1, 2, [Line(2, group: 12)]);
        store.Append(3, 3, [Line(3, group: 13)]);
        Assert.Equal([1L, 3L], store.Files().Select(f => f.FirstStep));
        Assert.Equal([(1L, 10L), (1L, 11L), (2L, 12L), (3L, 13L)], Steps(store));

        // A plain GZipStream (what zcat and Python's gzip do) reads the concatenated members as one stream.
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(dir, RolloutStore.FileName(1))), CompressionMode.Decompress);
        var text = new StreamReader(gzip).ReadToEnd();
        Assert.Equal(3, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Empty(Directory.GetFiles(dir, ".*tmp*")); // atomic writes leave no temp file behind
    }

    [Fact(DisplayName = "A rollback to a checkpoint deletes later intervals and cuts later steps, like metrics.jsonl")]
    public void Rewind_cuts_back_to_the_checkpoint()
    {
        var store = new RolloutStore(dir);
        store.Append(1, 1, [Line(1, group: 1)]);
        store.Append(1, 2, [Line(2, group: 2)]);
        store.Append(3, 3, [Line(3, group: 3)]);
        store.Append(3, 4, [Line(4, group: 4)]);
        store.Append(5, 5, [Line(5, group: 5)]);

        Assert.Equal(1, store.Rewind(3)); // step 4's line goes from the interval starting at 3; interval 5 is deleted
        Assert.Equal([(1L, 1L), (2L, 2L), (3L, 3L)], Steps(store));
        Assert.Equal([1L, 3L], store.Files().Select(f => f.FirstStep));

        store.Rewind(0);
        Assert.Empty(store.Files());
    }

    [Fact(DisplayName = "The size cap deletes the oldest intervals, never the one being written, and records the first step kept")]
    public void Cap_prunes_oldest_intervals()
    {
        var store = new RolloutStore(dir, maxBytes: 1);
        Assert.Equal(1, store.KeptFromStep);
        store.Append(1, 1, [Line(1)]);
        store.Append(2, 2, [Line(2)]);
        store.Append(3, 3, [Line(3)]);
        Assert.Equal([3L], store.Files().Select(f => f.FirstStep));
        Assert.Equal(3, store.KeptFromStep);

        var unlimited = new RolloutStore(Path.Combine(dir, "all"));
        for (var s = 1; s <= 5; s++) unlimited.Append(s, s, [Line(s)]);
        Assert.Equal(5, unlimited.Files().Count);
        Assert.Equal(1, unlimited.KeptFromStep);
    }

    [Fact(DisplayName = "A damaged line or another schema is an error naming the file and the line")]
    public void Bad_lines_are_named()
    {
        var store = new RolloutStore(dir);
        store.Append(1, 1, [Line(1)]);
        var path = Path.Combine(dir, RolloutStore.FileName(1));
        using (var gzip = new GZipStream(new FileStream(path, FileMode.Append), CompressionLevel.Fastest))
        using (var w = new StreamWriter(gzip)) w.Write("{\"schema\":99,\"step\":2}\n");
        var e = Assert.Throws<InvalidDataException>(() => store.Read().ToList());
        Assert.Contains(path, e.Message);
        Assert.Contains("line 2", e.Message);
        Assert.Contains("schema 99", e.Message);
    }

    [Fact(DisplayName = "A group line gives back the exact group the learner trained on (tokens, log-probs, rewards, versions)")]
    public void Group_lines_round_trip_exactly()
    {
        var rng = new Random(3);
        var members = Enumerable.Range(0, 3).Select(i => new Trajectory(70 + i, 7, "p7", i, [1, 2, 3],
            [.. Enumerable.Range(0, 5 + i).Select(_ => rng.Next(4, 30))], [.. Enumerable.Range(0, 5 + i).Select(_ => -(float)rng.NextDouble() * 3)],
            4 - i, i == 2 ? FinishReason.Length : FinishReason.Eos)).ToList();
        var scores = members.Select((m, i) => new OutcomeScore(m.TrajectoryId, rng.NextDouble(), i == 0, "why")).ToList();
        var group = new ScoredGroup(7, "p7", members, scores, "42");
        var dropped = new ScoredGroup(8, "p8", members.Select(m => m with { GroupId = 8 }).ToList(), scores, null);

        var lines =
            RolloutRecords.Groups(5, [group], [123], null, [new DroppedGroup(dropped, 9, DropReason.Stale)], ids => string.Join(",", ids)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(RolloutRecords.Consumed, lines[0]["status"]!.GetValue<string>());
        Assert.Equal(123, lines[0]["prompt_index"]!.GetValue<long>());
        Assert.Equal(2, lines[0]["behaviour_version"]!.GetValue<long>()); // the group's oldest member
        Assert.Equal("stale", lines[1]["drop_reason"]!.GetValue<string>());

        var store = new RolloutStore(dir);
        store.Append(5, 5, lines);
        var back = RolloutRecords.ToScoredGroup(store.Read().First().Line, "test");
        Assert.Equal(group.ReferenceAnswer, back.ReferenceAnswer);
        for (var i = 0; i < members.Count; i++)
        {
            Assert.Equal(members[i] with { PromptTokens = [], ResponseTokens = [], BehaviourLogProbs = [] },
                         back.Members[i] with { PromptTokens = [], ResponseTokens = [], BehaviourLogProbs = [] });
            Assert.Equal(members[i].PromptTokens, back.Members[i].PromptTokens);
            Assert.Equal(members[i].ResponseTokens, back.Members[i].ResponseTokens);
            Assert.Equal(members[i].BehaviourLogProbs.Select(BitConverter.SingleToInt32Bits),
                         back.Members[i].BehaviourLogProbs.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(BitConverter.DoubleToInt64Bits(scores[i].Reward), BitConverter.DoubleToInt64Bits(back.Scores[i].Reward));
            Assert.Equal(scores[i], back.Scores[i]);
        }
    }
}
