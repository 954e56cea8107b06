using System.Text.Json.Nodes;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Serialization;
using Gipo.Cluster.Tests.Coordination;
using Gipo.Core.Algorithm.Objective;
using Gipo.Model.Learning;

namespace Gipo.Cluster.Tests.Metrics;

/// <summary>The typed <see cref="MetricsLine"/> (<c>ml2</c>) carries a learner's line to the sink without changing a byte of it.</summary>
public sealed class MetricsLineJsonTests
{
    [Fact(DisplayName = "A full learner line, typed, encoded and decoded, is written as the same text as the JSON object it came from")]
    public void Full_learner_line_keeps_its_bytes()
    {
        var m = new LearnerStepMetrics
        {
            RewardMean = 0.46875, SuccessRate = 1.0 / 3, MeanResponseLength = 40.3125,
            Loss = new PolicyLossMetrics(-0.00951982638798654, 0.02, 0, 0.01, 0, 7.843900817761096E-08, 1, 1, 0, 0),
            TokenEntropy = 0.06846948945245078, BucketEntropy = [0.020977515313360423, double.NaN, 1e-300], BucketTarget = [0, 0.3],
            BucketAlpha = [0.05, double.PositiveInfinity], BucketNu = [-0.0, 0.01], BucketUpper = [1.5, 1e21], Calibrating = true,
            EntropyGradShare = 0.25, KlLoss = null, CovSelectedTokens = 7, IbBatchAuroc = 0.7, IbWithinGroupAuroc = null,
            IbWithinGroupAurocGroups = 3, IbAurocByStep = [0.6, double.NaN], IbCreditFailing = -0.1, IbCreditSucceeding = 0.1,
            IbKlRate = 0.3, IbTrainStates = long.MaxValue, GradNorm = 12345678.9, Seconds = 1.5, ProxSeconds = 0.25, PpoSeconds = 1,
        };
        var line = LearnerMetricsLine.Build(3, 3, m, new RunLedger(LedgerTestData.Settings()).Status, 0.53125, [0, 1, 2], 3.41644, 0.25843, 2.0);
        // What LearnerActor adds: the live settings in force, and the changes that took effect at the step.
        line["learning_rate"] = 1e-4;
        line["max_staleness"] = 2;
        line["settings_changed"] = new JsonObject { ["gipo.algorithm.optim.lr"] = "2e-4", ["gipo.run.note"] = "é \"quoted\" <tag> \u2028" };

        var message = MetricsLineJson.ToMessage(3, line);
        var decoded = (MetricsLine)GipoCodecs.Decode(GipoCodecs.Encode(message), "ml2");
        var written = MetricsLineJson.ToJsonObject(decoded);

        Assert.Equal(3, decoded.Step);
        Assert.Equal(line.Select(kv => kv.Key), decoded.Entries.Select(e => e.Key));
        Assert.Equal(line.ToJsonString(), written.ToJsonString());
        // The sink used to parse the learner's text and write it again: the same text comes out of the typed path.
        Assert.Equal(JsonNode.Parse(line.ToJsonString())!.ToJsonString(), written.ToJsonString());
    }

    [Fact(DisplayName = "The sink's JSON object reads numbers like a parsed line: a long as a double, a double as a double")]
    public void Values_read_as_parsed_ones()
    {
        var written = MetricsLineJson.ToJsonObject(new MetricsLine(1,
        [
            new("samples_total", MetricValue.Of(96L)), new("reward_mean", MetricValue.Of(0.5)), new("calibrating", MetricValue.Of(true)),
            new("kl_loss", MetricValue.Null), new("bucket_entropy", MetricValue.OfReals([0.25, null])),
        ]));

        Assert.True(written["samples_total"]!.AsValue().TryGetValue<double>(out var samples) && samples == 96);
        Assert.Equal(0.5, written["reward_mean"]!.GetValue<double>());
        Assert.Equal("""{"samples_total":96,"reward_mean":0.5,"calibrating":true,"kl_loss":null,"bucket_entropy":[0.25,null]}""",
            written.ToJsonString());
    }

    [Fact(DisplayName = "An ml1 line (JSON text, from a learner of an older build) is still read, and gives the same text")]
    public void Legacy_json_text_layout_is_read()
    {
        const string json = """{"step":2,"policy_version":2,"reward_mean":0.45,"bucket_entropy":[0.03,null],"groups_dropped":{"stale":0}}""";
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true))
        {
            w.Write(2L);
            w.Write(json);
        }

        var decoded = (MetricsLine)GipoCodecs.Decode(stream.ToArray(), "ml1");

        Assert.Equal(2, decoded.Step);
        Assert.Equal(json, MetricsLineJson.ToJsonObject(decoded).ToJsonString());
        Assert.Equal(typeof(MetricsLine), GipoCodecs.LegacyManifests["ml1"]);
    }

    [Fact(DisplayName = "A value a metrics line cannot hold is refused with its key named")]
    public void Bad_values_name_their_key()
    {
        var nan = Assert.Throws<ArgumentException>(() => MetricsLineJson.ToMessage(1, new JsonObject { ["pg_loss"] = double.NaN }));
        Assert.Contains("'pg_loss'", nan.Message);
        var texts = Assert.Throws<ArgumentException>(() => MetricsLineJson.ToMessage(1, new JsonObject { ["buckets"] = new JsonArray("a") }));
        Assert.Contains("'buckets'", texts.Message);
        var deep = Assert.Throws<ArgumentException>(() =>
            MetricsLineJson.ToMessage(1, new JsonObject { ["outer"] = new JsonObject { ["inner"] = new JsonObject { ["x"] = 1 } } }));
        Assert.Contains("'outer.inner'", deep.Message);
        Assert.Throws<ArgumentException>(() => MetricValue.OfReals([double.PositiveInfinity]));
    }
}
