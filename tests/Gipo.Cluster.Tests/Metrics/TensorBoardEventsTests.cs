using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Tests.Coordination;
using Gipo.Core.Algorithm.Objective;
using Gipo.Model.Learning;

namespace Gipo.Cluster.Tests.Metrics;

/// <summary>TensorBoard event files in <c>runs/&lt;id&gt;/tb/</c>, read back with an independent TFRecord reader.</summary>
public sealed class TensorBoardEventsTests : TestKit, IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-tb-").FullName;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(dir)) Directory.Delete(dir, true);
    }

    [Fact]
    public void Crc32c_matches_the_published_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32c.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, Crc32c.Compute([]));
    }

    [Fact]
    public void Every_key_of_a_full_learner_line_has_a_namespaced_tag()
    {
        var m = new LearnerStepMetrics
        {
            Loss = new PolicyLossMetrics(0.1, 0.02, 0, 0.01, 0, 0, 1, 1, 0, 0), BucketEntropy = [0.5, 0.4], BucketTarget = [0.3, 0.3],
            BucketAlpha = [0.05, 0], BucketNu = [0, 0.01], BucketUpper = [1.5, 0.9], EntropyGradShare = 0.25, KlLoss = 0.02,
            CovSelectedTokens = 7, IbBatchAuroc = 0.7, IbWithinGroupAuroc = 0.6, IbWithinGroupAurocGroups = 3, IbAurocByStep = [0.6, 0.7],
            IbCreditFailing = -0.1, IbCreditSucceeding = 0.1, IbKlRate = 0.3,
        };
        var line = LearnerMetricsLine.Build(3, 3, m, new RunLedger(LedgerTestData.Settings()).Status, 0.25, [0, 1], 0.5, 0.1, 2.0);
        line["samples_generated"] = 96;
        line["samples_per_second"] = 4.5;
        line["sampler_busy_fraction"] = 0.9;

        var scalars = TensorBoardTags.Scalars(line);
        var tags = scalars.Select(s => s.Tag).ToList();
        Assert.DoesNotContain(tags, t => t.StartsWith("other/", StringComparison.Ordinal));
        Assert.Equal(tags.Count, tags.Distinct().Count());
        var value = scalars.ToDictionary(s => s.Tag, s => s.Value);
        Assert.Equal(0.25, value["eval/pass_at_1"]);
        Assert.Equal(3, value["actor/policy_version"]);
        Assert.Equal(0, value["rollout/groups_consumed"]);
        Assert.Equal(0.7, value["ib/auroc"]);
        Assert.Equal(0.6, value["ib/auroc_by_step/0"]);
        Assert.Equal(0.5, value["gsec/bucket_entropy/0"]);
        Assert.Equal(0.1, value["actor/pg_loss"]);
        Assert.Equal(0.5, value["rollout/staleness_mean"]);
        Assert.Equal(0, value["rollout/groups_dropped/stale"]);
        Assert.Equal(4.5, value["system/samples_per_second"]);
        Assert.Equal(2.0, value["system/seconds"]);
        Assert.DoesNotContain("step", tags);
        foreach (var prefix in new[] { "actor/", "rollout/", "gsec/", "ib/", "eval/", "system/" })
            Assert.Contains(tags, t => t.StartsWith(prefix, StringComparison.Ordinal));
    }

    [Fact]
    public void Arrays_objects_booleans_and_nulls_become_tags_or_are_left_out()
    {
        var line = new JsonObject
        {
            ["step"] = 7, ["bucket_alpha"] = new JsonArray(0.5, null, 1.5), ["calibrating"] = true, ["kl_loss"] = null,
            ["ib_auroc"] = 0.75, ["groups_dropped"] = new JsonObject { ["stale"] = 2 }, ["brand_new_key"] = 1,
        };
        Assert.Equal(
            [("gsec/bucket_alpha/0", 0.5), ("gsec/bucket_alpha/2", 1.5), ("gsec/calibrating", 1.0), ("ib/auroc", 0.75),
             ("rollout/groups_dropped/stale", 2.0), ("other/brand_new_key", 1.0)],
            TensorBoardTags.Scalars(line));
    }

    [Fact]
    public async Task The_metrics_sink_writes_each_lines_scalars_at_its_step_and_a_rewind_leaves_each_step_once()
    {
        var metrics = Path.Combine(dir, "metrics.jsonl");
        var tb = Path.Combine(dir, "tb");
        var sink = Sys.ActorOf(Cluster.Metrics.MetricsSink.Props(metrics, dir, null, tb));
        for (var step = 0; step <= 5; step++)
            sink.Tell(Line(step, $$"""{"step":{{step}},"policy_version":{{step}},"reward_mean":{{step / 10.0}},"samples_total":{{16 * step}}}"""));
        await AwaitAssertAsync(() => Assert.Equal(6, Steps(tb, "rollout/reward_mean").Count));
        var file = Assert.Single(Directory.GetFiles(tb));
        Assert.Equal("brain.Event:2", TensorBoardEventReader.Read(file)[0].FileVersion);
        Assert.Equal([0L, 1, 2, 3, 4, 5], Steps(tb, "rollout/reward_mean"));
        var at3 = TensorBoardEventReader.Scalars(tb).Where(s => s.Step == 3).ToDictionary(s => s.Tag, s => s.Value);
        Assert.Equal(0.3f, at3["rollout/reward_mean"]);
        Assert.Equal(48f, at3["rollout/samples_total"]);
        Assert.Equal(3f, at3["actor/policy_version"]);
        var wall = TensorBoardEventReader.Read(file).Last().WallTime;
        // seconds since the epoch
        Assert.InRange(wall, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        // A resume from the step-3 checkpoint trains steps 4 and 5 again.
        await sink.Ask<MetricsRewound>(new RewindMetrics(3));
        Assert.Equal([0L, 1, 2, 3], Steps(tb, "rollout/reward_mean"));
        sink.Tell(Line(4, """{"step":4,"policy_version":4,"reward_mean":0.9,"samples_total":64}"""));
        await AwaitAssertAsync(() => Assert.Equal(5, Steps(tb, "rollout/reward_mean").Count));
        Assert.Equal([0L, 1, 2, 3, 4], Steps(tb, "rollout/reward_mean"));
        Assert.Equal(0.9f, TensorBoardEventReader.Scalars(tb).Single(s => s.Step == 4 && s.Tag == "rollout/reward_mean").Value);
        Assert.Equal(2, Directory.GetFiles(tb).Length); // the resumed writer's file sorts after the cut one

        // A restart from the base model (no checkpoint) keeps nothing.
        await sink.Ask<MetricsRewound>(new RewindMetrics(-1));
        Assert.Empty(TensorBoardEventReader.Scalars(tb));
        await sink.GracefulStop(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_new_writer_file_sorts_after_existing_files_even_from_the_future()
    {
        var tb = Path.Combine(dir, "tb");
        var future = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600;
        using (var first = new TensorBoardWriter(tb)) first.WriteScalars(1, [("a/x", 1)]);
        var name = Directory.GetFiles(tb).Single();
        File.Move(name, Path.Combine(tb, $"events.out.tfevents.{future:D10}.host.1.gipo"));
        using var second = new TensorBoardWriter(tb);
        second.WriteScalars(2, [("a/x", 2)]);
        Assert.Equal(second.Path, TensorBoardWriter.EventFiles(tb)[^1]);
        Assert.Equal([1L, 2], Steps(tb, "a/x"));
    }

    private static List<long> Steps(string tb, string tag) => [.. TensorBoardEventReader.Scalars(tb).Where(s => s.Tag == tag).Select(s => s.Step)];

    private static MetricsLine Line(long step, string json) => MetricsLineJson.ToMessage(step, JsonNode.Parse(json)!.AsObject());
}
