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
        GipoCodecs.Add<MetricsLine>("ml1", (w, m) => { w.Write(m.Step); w.WriteString(m.Json); },
                                    r => new MetricsLine(r.ReadInt64(), r.ReadString()));
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
