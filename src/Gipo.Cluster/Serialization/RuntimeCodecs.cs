using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Sampling;
using Gipo.Cluster.Scoring;
using Gipo.Cluster.Weights;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Serialization;

/// <summary>Codecs of the run's data-path messages: weights, samplers, scorer, metrics and the learner's last word.</summary>
internal static class RuntimeCodecs
{
    public static void Register()
    {
        // ---- WeightStore. pp1 (PolicyPublished without a location), gw1/wr1 (whole-blob GetWeights/WeightsReply) are
        // gone: they were never persisted, and a whole blob must not cross nodes.
        GipoCodecs.Add<PublishWeights>("pw1", (w, m) => WriteWeights(w, m.Weights), r => new PublishWeights(ReadWeights(r)));
        GipoCodecs.Add<SubscribePolicy>("sp1", (_, _) => { }, _ => SubscribePolicy.Instance);
        GipoCodecs.Add<PolicyPublished>("pp2",
                                        (w, m) => { w.Write(m.Version); w.WriteString(m.Location); w.WriteString(m.Sha256); w.Write(m.Bytes); },
            r => new PolicyPublished(r.ReadInt64(), r.ReadString(), r.ReadString(), r.ReadInt64()));
        GipoCodecs.Add<PullWeightChunk>("pwc1", (w, m) => { w.Write(m.Version); w.WriteString(m.Sha256); w.Write(m.Offset); w.Write(m.Length); },
            r => new PullWeightChunk(r.ReadInt64(), r.ReadString(), r.ReadInt64(), r.ReadInt32()));
        GipoCodecs.Add<WeightChunk>("wc1", (w, m) => { w.Write(m.Version); w.Write(m.Offset); w.Write(m.Total); w.WriteBlock(m.Data.Span); },
            r => new WeightChunk(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadBlock<byte>()),
            m => 3 * sizeof(long) + Wire.BlockSize(m.Data.Length));
        GipoCodecs.Add<WeightsUnavailable>("wu1",
            (w, m) => { w.Write(m.Version); w.WriteOptional(m.Latest, (x, v) => x.Write(v)); w.WriteString(m.Reason); },
            r => new WeightsUnavailable(r.ReadInt64(), r.ReadOptionalValue(x => x.ReadInt64()), r.ReadString()));

        // ---- samplers and scorer
        GipoCodecs.Add<GetSamplers>("gsa1", (_, _) => { }, _ => GetSamplers.Instance);
        GipoCodecs.Add<SamplersState>("ssa1", (w, m) => w.WriteList(m.Samplers, (x, s) => x.WriteString(s)),
            r => new SamplersState(r.ReadList(x => x.ReadString())));
        GipoCodecs.Add<ScoreGroup>("sg1", (w, m) => { w.Write(m.PromptIndex); w.WriteList(m.Members, CoordinationCodecs.WriteTrajectory); },
            r => new ScoreGroup(r.ReadInt64(), r.ReadList(CoordinationCodecs.ReadTrajectory)));

        // ---- MetricsSink
        // ml2: the line typed key by key. ml1 carried it as JSON text; never persisted, it is still read so a learner of
        // an older build keeps logging to a newer sink during a rolling upgrade.
        GipoCodecs.Add<MetricsLine>("ml2", (w, m) => { w.Write(m.Step); w.WriteList(m.Entries, WriteMetricEntry); },
            r => new MetricsLine(r.ReadInt64(), r.ReadList(x => ReadMetricEntry(x, nested: false))));
        GipoCodecs.AddReader("ml1", r => ReadJsonMetricsLine(r.ReadInt64(), r.ReadString()));
        GipoCodecs.Add<SamplerProgress>("spg1",
            (w, m) => { w.WriteString(m.Sampler); w.Write(m.Groups); w.Write(m.Samples); w.Write(m.Tokens); w.Write(m.BusySeconds); },
            r => new SamplerProgress(r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), r.ReadDouble()));
        GipoCodecs.Add<RewindMetrics>("rm1", (w, m) => w.Write(m.Step), r => new RewindMetrics(r.ReadInt64()));
        GipoCodecs.Add<MetricsRewound>("mr1", (w, m) => { w.Write(m.Step); w.Write(m.Lines); },
                                       r => new MetricsRewound(r.ReadInt64(), r.ReadInt32()));
        GipoCodecs.Add<FlushMetrics>("fm1", (_, _) => { }, _ => FlushMetrics.Instance);
        GipoCodecs.Add<MetricsFlushed>("mf1", (w, m) => w.WriteList(m.Plots, (x, s) => x.WriteString(s)),
            r => new MetricsFlushed(r.ReadList(x => x.ReadString())));

        // ---- the learner's last word
        GipoCodecs.Add<RunFinished>("rf1",
            (w, m) => { w.Write(m.Step); w.Write(m.PolicyVersion); w.WriteOptional(m.EvalPassAt1,
                                                                                   (x, v) => x.Write(v)); w.WriteString(m.Checkpoint); },
            r => new RunFinished(r.ReadInt64(), r.ReadInt64(), r.ReadOptionalValue(x => x.ReadDouble()), r.ReadString()));
        GipoCodecs.Add<RunFailed>("rff1", (w, m) => w.WriteString(m.Reason), r => new RunFailed(r.ReadString()));
    }

    private static MetricsLine ReadJsonMetricsLine(long step, string json)
    {
        try
        {
            var line = JsonNode.Parse(json) as JsonObject ?? throw new InvalidOperationException("the line is not a JSON object");
            return MetricsLineJson.ToMessage(step, line);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"the line is not JSON: {e.Message}", e);
        }
    }

    private static void WriteMetricEntry(BinaryWriter w, MetricEntry e)
    {
        w.WriteString(e.Key);
        var v = e.Value;
        w.WriteEnum(v.Kind);
        switch (v.Kind)
        {
            case MetricKind.Null: break;
            case MetricKind.Integer: w.Write(v.Integer); break;
            case MetricKind.Real: w.Write(v.Real); break;
            case MetricKind.Boolean: w.Write(v.Boolean); break;
            case MetricKind.Text: w.WriteString(v.Text!); break;
            case MetricKind.Reals: w.WriteList(v.Reals!, (x, d) => x.WriteOptional(d, (y, value) => y.Write(value))); break;
            case MetricKind.Members: w.WriteList(v.Members!, WriteMetricEntry); break;
            default: throw new SerializationException($"metrics value '{e.Key}' has unknown kind {v.Kind}");
        }
    }

    // A member is never Members itself (MetricValue.OfMembers), so reading stops one level down: a corrupt frame
    // cannot recurse deeper.
    private static MetricEntry ReadMetricEntry(BinaryReader r, bool nested)
    {
        var key = r.ReadString();
        var kind = r.ReadEnum<MetricKind>();
        var value = kind switch
        {
            MetricKind.Null => MetricValue.Null,
            MetricKind.Integer => MetricValue.Of(r.ReadInt64()),
            MetricKind.Real => MetricValue.Of(r.ReadDouble()),
            MetricKind.Boolean => MetricValue.Of(r.ReadBoolean()),
            MetricKind.Text => MetricValue.Of(r.ReadString()),
            MetricKind.Reals => MetricValue.OfReals(r.ReadList(x => x.ReadOptionalValue(y => y.ReadDouble()))),
            MetricKind.Members when !nested => MetricValue.OfMembers(r.ReadList(x => ReadMetricEntry(x, nested: true))),
            _ => throw new SerializationException($"metrics value '{key}' nests members two levels deep"),
        };
        return new MetricEntry(key, value);
    }

    private static void WriteWeights(BinaryWriter w, PolicyWeights p)
    {
        w.Write(p.Version);
        w.WriteString(p.Sha256);
        w.WriteBlock<byte>(p.Data);
    }

    private static PolicyWeights ReadWeights(BinaryReader r)
    {
        var version = r.ReadInt64();
        var sha = r.ReadString();
        return new PolicyWeights(version, r.ReadBlock<byte>(), sha);
    }
}
