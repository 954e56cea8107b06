using Gipo.Cluster.Scheduling;
using Gipo.Core.Algorithm.Entropy;

namespace Gipo.Cluster.Serialization;

/// <summary>
/// Readers of the retired entropy-scheduler journal (persistence id <c>run-&lt;id&gt;-entropy-scheduler</c>): its events
/// and its snapshot. Nothing writes them any more — the scheduler's state has one home, the learner's checkpoint
/// (docs/architecture.md, "Checkpoints") — but journals of runs started before keep them, and every byte a journal holds
/// stays readable. Doubles were written as raw blocks (NaN of absent buckets and every bit of a coefficient survive); the
/// scheduler state as its own JSON text.
/// </summary>
internal static class SchedulingCodecs
{
    public static void Register()
    {
        // ---- journal events (read only; never change a layout in place)
        GipoCodecs.AddReader("eeu1", ReadUpdated);
        GipoCodecs.AddReader("erc1", r => new EntropySchedulerReconfigured(r.ReadInt64(), r.ReadString()));
        GipoCodecs.AddReader("esr1", r => new EntropySchedulerRestored(r.ReadInt64(), r.ReadString(), r.ReadString()));

        // ---- snapshot (read only)
        GipoCodecs.AddReader("ses1", r => new EntropySchedulerSnapshot(r.ReadString(), r.ReadString(), r.ReadOptional(ReadUpdated)));
    }

    private static EntropyStats ReadStats(BinaryReader r) => new(
        r.ReadInt64(), r.ReadInt64(), r.ReadBlock<double>(), r.ReadBlock<int>(), r.ReadBlock<long>(), r.ReadDouble(), r.ReadDouble());

    private static EntropyCoefficients ReadCoefficients(BinaryReader r) => new(
        r.ReadInt64(), r.ReadBlock<double>(), r.ReadBlock<double>(), r.ReadBlock<double>(), r.ReadBlock<double>(), r.ReadBoolean());

    private static EntropyUpdated ReadUpdated(BinaryReader r) => new(ReadStats(r), ReadCoefficients(r));
}
