using System.Runtime.Serialization;
using System.Text.Json;
using Gipo.Cluster.Scheduling;
using Gipo.Core.Algorithm.Entropy;

namespace Gipo.Cluster.Serialization;

/// <summary>
/// Codecs of the entropy scheduler's messages, its journal events and its snapshot. Doubles travel as raw blocks, so
/// NaN (absent buckets) and every bit of a coefficient survive; the scheduler state travels as its own JSON
/// (<see cref="EntropySchedulerJson"/>, exact for finite doubles).
/// </summary>
internal static class SchedulingCodecs
{
    public static void Register()
    {
        // ---- EntropySchedulerActor protocol
        // ue2: ue1 plus the config in force at the step (live changes), as JSON.
        GipoCodecs.Add<UpdateEntropy>("ue2",
            (w, m) => { WriteStats(w, m.Stats); w.WriteNullableString(m.Config is null ? null : EntropySchedulerJson.SerializeConfig(m.Config)); },
            r => new UpdateEntropy(ReadStats(r), r.ReadNullableString() is { } json ? ReadConfig(json) : null));
        GipoCodecs.Add<EntropyCoefficientsReply>("ec1", (w, m) => { WriteCoefficients(w, m.Coefficients); w.Write(m.Retry); },
            r => new EntropyCoefficientsReply(ReadCoefficients(r), r.ReadBoolean()));
        GipoCodecs.Add<EntropyUpdateRejected>("ur1", (w, m) => { w.Write(m.LearnerStep); w.WriteString(m.Reason); },
            r => new EntropyUpdateRejected(r.ReadInt64(), r.ReadString()));
        GipoCodecs.Add<GetSchedulerState>("gq1", (_, _) => { }, _ => GetSchedulerState.Instance);
        GipoCodecs.Add<EntropySchedulerStatus>("es1",
            (w, m) => { w.WriteString(m.RunId); w.WriteString(EntropySchedulerJson.Serialize(m.State)); w.WriteString(m.ConfigHash); },
            r => new EntropySchedulerStatus(r.ReadString(), ReadState(r), r.ReadString()));
        GipoCodecs.Add<RestoreScheduler>("rsc1", (w, m) => { w.Write(m.LearnerStep); w.WriteString(m.StateJson); },
            r => new RestoreScheduler(r.ReadInt64(), r.ReadString()));
        GipoCodecs.Add<SchedulerRestoreRejected>("srr1", (w, m) => { w.Write(m.LearnerStep); w.WriteString(m.Reason); },
            r => new SchedulerRestoreRejected(r.ReadInt64(), r.ReadString()));

        // ---- journal events (never change a layout in place)
        GipoCodecs.Add<EntropyUpdated>("eeu1", WriteUpdated, ReadUpdated);
        GipoCodecs.Add<EntropySchedulerReconfigured>("erc1", (w, e) => { w.Write(e.LearnerStep); w.WriteString(e.ConfigJson); },
            r => new EntropySchedulerReconfigured(r.ReadInt64(), r.ReadString()));
        GipoCodecs.Add<EntropySchedulerRestored>("esr1",
            (w, e) => { w.Write(e.LearnerStep); w.WriteString(e.StateJson); w.WriteString(e.ConfigHash); },
            r => new EntropySchedulerRestored(r.ReadInt64(), r.ReadString(), r.ReadString()));

        // ---- snapshot
        GipoCodecs.Add<EntropySchedulerSnapshot>("ses1",
            (w, s) => { w.WriteString(s.StateJson); w.WriteString(s.ConfigHash); w.WriteOptional(s.Last, WriteUpdated); },
            r => new EntropySchedulerSnapshot(r.ReadString(), r.ReadString(), r.ReadOptional(ReadUpdated)));
    }

    private static void WriteStats(BinaryWriter w, EntropyStats s)
    {
        w.Write(s.LearnerStep);
        w.Write(s.PolicyVersion);
        w.WriteBlock<double>(s.BucketMean ?? throw new SerializationException("EntropyStats.BucketMean is null"));
        w.WriteBlock<int>(s.BucketGroups ?? throw new SerializationException("EntropyStats.BucketGroups is null"));
        w.WriteBlock<long>(s.BucketTokens ?? throw new SerializationException("EntropyStats.BucketTokens is null"));
        w.Write(s.GlobalTokenMean);
        w.Write(s.AnswerStepMean);
    }

    private static EntropyStats ReadStats(BinaryReader r) => new(
        r.ReadInt64(), r.ReadInt64(), r.ReadBlock<double>(), r.ReadBlock<int>(), r.ReadBlock<long>(), r.ReadDouble(), r.ReadDouble());

    private static void WriteCoefficients(BinaryWriter w, EntropyCoefficients c)
    {
        w.Write(c.LearnerStep);
        w.WriteBlock<double>(c.Alpha ?? throw new SerializationException("EntropyCoefficients.Alpha is null"));
        w.WriteBlock<double>(c.Nu ?? throw new SerializationException("EntropyCoefficients.Nu is null"));
        w.WriteBlock<double>(c.Target ?? throw new SerializationException("EntropyCoefficients.Target is null"));
        w.WriteBlock<double>(c.Upper ?? throw new SerializationException("EntropyCoefficients.Upper is null"));
        w.Write(c.Calibrating);
    }

    private static EntropyCoefficients ReadCoefficients(BinaryReader r) => new(
        r.ReadInt64(), r.ReadBlock<double>(), r.ReadBlock<double>(), r.ReadBlock<double>(), r.ReadBlock<double>(), r.ReadBoolean());

    private static void WriteUpdated(BinaryWriter w, EntropyUpdated e)
    {
        WriteStats(w, e.Stats);
        WriteCoefficients(w, e.Coefficients);
    }

    private static EntropyUpdated ReadUpdated(BinaryReader r) => new(ReadStats(r), ReadCoefficients(r));

    private static EntropySchedulerConfig ReadConfig(string json)
    {
        try
        {
            return EntropySchedulerJson.DeserializeConfig(json);
        }
        catch (JsonException e)
        {
            throw new SerializationException($"malformed entropy-scheduler config JSON: {e.Message}", e);
        }
    }

    private static EntropySchedulerState ReadState(BinaryReader r)
    {
        var json = r.ReadString();
        try
        {
            return EntropySchedulerJson.Deserialize(json);
        }
        catch (JsonException e)
        {
            throw new SerializationException($"malformed entropy-scheduler state JSON: {e.Message}", e);
        }
    }
}
