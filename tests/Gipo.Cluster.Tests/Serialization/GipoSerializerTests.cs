using System.Runtime.Serialization;
using Akka.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Sampling;
using Gipo.Cluster.Scoring;
using Gipo.Cluster.Serialization;
using Gipo.Cluster.Weights;
using Gipo.Core.Algorithm;
using Xunit.Abstractions;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Serialization;

public sealed class GipoSerializerTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(GipoSerializer.Config.WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING")), "gipo", output)
{
    private const int Cases = 60;

    [Fact(DisplayName = "Every message, event and snapshot round-trips over random values, through the codec table and through Akka")]
    public void Round_trips_of_every_manifest()
    {
        var rng = new Random(4711);
        var serialization = Sys.Serialization;
        foreach (var (manifest, type) in GipoCodecs.Manifests)
        {
            Assert.True(Generators.ContainsKey(type), $"no random generator for {type.Name} ({manifest})");
            for (var i = 0; i < Cases; i++)
            {
                var original = Generators[type](rng);
                var bytes = GipoCodecs.Encode(original);
                var decoded = GipoCodecs.Decode(bytes, manifest);
                Assert.IsType(type, decoded);
                Assert.Equal(Json(original), Json(decoded));
                Assert.Equal(bytes, GipoCodecs.Encode(decoded));

                var serializer = serialization.FindSerializerFor(original);
                Assert.IsType<GipoSerializer>(serializer);
                Assert.Equal(manifest, Akka.Serialization.Serialization.ManifestFor(serializer, original));
                var viaAkka = serialization.Deserialize(serializer.ToBinary(original), GipoSerializer.Id, manifest);
                Assert.Equal(Json(original), Json(viaAkka));
            }
        }
    }

    [Fact(DisplayName = "Records without collections compare equal after a round trip")]
    public void Value_equality_where_records_have_it()
    {
        var rng = new Random(7);
        foreach (var type in new[] { typeof(WorkLease), typeof(GroupIssued), typeof(GroupScored), typeof(RunStatus), typeof(CheckpointCommitted),
                                    typeof(GroupDropped) })
        {
            var original = Generators[type](rng);
            Assert.Equal(original, GipoCodecs.Decode(GipoCodecs.Encode(original), GipoCodecs.ManifestOf(original)));
        }
    }

    [Fact(DisplayName = "Every concrete IGipoMessage type has a codec, and manifests are short and versioned")]
    public void Every_message_type_has_a_codec()
    {
        var types = typeof(IGipoMessage).Assembly.GetTypes()
            .Where(t => typeof(IGipoMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false }).ToList();
        Assert.NotEmpty(types);
        Assert.All(types, t => Assert.True(GipoCodecs.Handles(t), $"{t.Name} implements IGipoMessage but has no codec"));
        Assert.All(GipoCodecs.Manifests.Keys, m => Assert.Matches("^[a-z]{2,3}[0-9]+$", m));
        Assert.Equal(4711, GipoSerializer.Id);
    }

    [Fact(DisplayName = "An unknown manifest, truncated or trailing bytes and a bad enum value are SerializationExceptions")]
    public void Malformed_input_is_a_serialization_exception()
    {
        Assert.Throws<SerializationException>(() => GipoCodecs.Decode([1, 2, 3], "zz9"));
        Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize([1, 2, 3], GipoSerializer.Id, "zz9"));

        var bytes = GipoCodecs.Encode(new WorkLease(1, 2, 3, 4, 5, T0));
        Assert.Throws<SerializationException>(() => GipoCodecs.Decode(bytes[..^1], "wl1"));
        Assert.Throws<SerializationException>(() => GipoCodecs.Decode([.. bytes, 0], "wl1"));

        var dropped = GipoCodecs.Encode(new GroupDropped(1, DropReason.Stale));
        dropped[^1] = 99;
        Assert.Contains("DropReason", Assert.Throws<SerializationException>(() => GipoCodecs.Decode(dropped, "egd1")).Message);

        var huge = GipoCodecs.Encode(new TrainBatch(1, 1, [], 0));
        huge[16] = 0xFF; // the group count (a 7-bit varint after two longs) becomes 127 groups that are not there
        Assert.Throws<SerializationException>(() => GipoCodecs.Decode(huge, "tb2"));

        Assert.Throws<ArgumentException>(() => GipoCodecs.Encode("not ours"));
    }

    [Fact(DisplayName = "Ledger snapshots of the sld1 and sld2 layouts (journals from before live settings changes, " +
                        "before the checkpoint fallback) still load")]
    public void Legacy_ledger_snapshot_loads()
    {
        var rng = new Random(11);
        var snapshot = (LedgerSnapshot)Generators[typeof(LedgerSnapshot)](rng) with { SettingsChanges = [], Checkpoints = [] };
        var sld3 = GipoCodecs.Encode(snapshot);
        Assert.Equal("sld3", GipoCodecs.ManifestOf(snapshot));
        Assert.Equal(typeof(LedgerSnapshot), GipoCodecs.LegacyManifests["sld1"]);
        Assert.Equal(typeof(LedgerSnapshot), GipoCodecs.LegacyManifests["sld2"]);
        var sld2 = sld3[..^1]; // sld3 is sld2 followed by the list of checkpoints: one byte for an empty list
        var sld1 = sld2[..^1]; // sld2 is sld1 followed by the list of changes: one byte for an empty list
        var loaded = Assert.IsType<LedgerSnapshot>(GipoCodecs.Decode(sld1, "sld1"));
        Assert.Null(loaded.SettingsChanges);
        Assert.Null(loaded.Checkpoints);
        Assert.Equal(Json(snapshot with { SettingsChanges = null, Checkpoints = null }), Json(loaded));
        Assert.Equal(sld3, GipoCodecs.Encode(loaded)); // written again in the current layout
        var loaded2 = Assert.IsType<LedgerSnapshot>(GipoCodecs.Decode(sld2, "sld2"));
        Assert.Null(loaded2.Checkpoints);
        Assert.Equal(Json(snapshot with { Checkpoints = null }), Json(loaded2));
    }

    // ------------------------------------------------------------------------------------------------ generators

    private static SettingsChanged SettingsChange(Random r) =>
        new(Text(r), Long(r), [.. Enumerable.Range(0, r.Next(0, 4)).Select(_ => new SettingChange(Text(r), Text(r)))]);

    private static readonly Dictionary<Type, Func<Random, object>> Generators = new()
    {
        [typeof(RequestWork)] = r => new RequestWork(Text(r), Long(r)),
        [typeof(WorkLease)] = r => new WorkLease(Long(r), Long(r), ULong(r), r.Next(), Long(r), Utc(r)),
        [typeof(NoWorkYet)] = r => new NoWorkYet(Text(r)),
        [typeof(GenerationDone)] = r => new GenerationDone(Long(r)),
        [typeof(GroupResult)] = r => new GroupResult(Scored(r)),
        [typeof(ResultAck)] = r => new ResultAck(Long(r), Pick<ResultOutcome>(r), Text(r)),
        [typeof(NextBatch)] = r => new NextBatch(Long(r)),
        [typeof(TrainBatch)] = r =>
        {
            var groups = Enumerable.Range(0, r.Next(0, 4)).Select(_ => Scored(r)).ToList();
            return new TrainBatch(Long(r), Long(r), groups, Long(r))
            {
                PromptIndexes = [.. groups.Select(_ => Long(r))],
                Dropped = [.. Enumerable.Range(0, r.Next(0, 3)).Select(_ => new DroppedGroup(Scored(r), Long(r), Pick<DropReason>(r)))],
                SettingsChanges = [.. Enumerable.Range(0, r.Next(0, 3)).Select(_ => SettingsChange(r))],
            };
        },
        [typeof(ChangeSettings)] = r =>
            new ChangeSettings(Text(r), [.. Enumerable.Range(0, r.Next(0, 4)).Select(_ => new SettingChange(Text(r), Text(r)))]),
        [typeof(SettingsChangeAccepted)] = r => new SettingsChangeAccepted(SettingsChange(r)),
        [typeof(SettingsChangeRefused)] = r => new SettingsChangeRefused(Text(r), Text(r)),
        [typeof(SettingsChanged)] = SettingsChange,
        [typeof(NotEnoughGroups)] = r => new NotEnoughGroups(Long(r), Text(r)),
        [typeof(StepCompleted)] = r => new StepCompleted(Long(r), Long(r)),
        [typeof(CommitCheckpoint)] = r => new CommitCheckpoint(Long(r), Long(r), Text(r), Text(r)),
        [typeof(RollbackToCheckpoint)] = r => new RollbackToCheckpoint(Long(r)),
        [typeof(GetStatus)] = _ => GetStatus.Instance,
        [typeof(RunStatus)] = r => new RunStatus(Text(r), Status(r)),
        [typeof(CommandRejected)] = r => new CommandRejected(Text(r), Text(r)),
        [typeof(GroupIssued)] = r => new GroupIssued(Long(r), Long(r), Long(r), ULong(r), Long(r), Long(r), Text(r), Utc(r)),
        [typeof(GroupGenerated)] = r => new GroupGenerated(Long(r), Text(r), Utc(r)),
        [typeof(GroupScored)] = r => new GroupScored(Long(r), Long(r), r.Next(2) == 0, r.Next(), Double(r)),
        [typeof(GroupConsumed)] = r => new GroupConsumed(Long(r), Long(r)),
        [typeof(GroupDropped)] = r => new GroupDropped(Long(r), Pick<DropReason>(r)),
        [typeof(LearnerStepCompleted)] = r => new LearnerStepCompleted(Long(r), Long(r)),
        [typeof(CheckpointCommitted)] = Checkpoint,
        [typeof(RolledBackToCheckpoint)] = r => new RolledBackToCheckpoint(Long(r), Long(r)),
        [typeof(LedgerSnapshot)] = r => new LedgerSnapshot(
            Long(r), Long(r), Long(r), Long(r), Long(r), Long(r), Long(r), Long(r), Drops(r), r.Next(2) == 0 ? null : Checkpoint(r),
            [.. Enumerable.Range(0, r.Next(0, 5)).Select(_ => Slot(r))], Entries(r), Entries(r), Entries(r),
            [.. Enumerable.Range(0, r.Next(0, 3)).Select(_ => SettingsChange(r))]) { Checkpoints = [.. Enumerable.Range(0, r.Next(0, 4))
                .Select(_ => Checkpoint(r))] },
        // ---- runtime data path
        [typeof(PublishWeights)] = r => new PublishWeights(Weights(r)),
        [typeof(SubscribePolicy)] = _ => SubscribePolicy.Instance,
        [typeof(PolicyPublished)] = r => new PolicyPublished(Long(r), Text(r), Text(r), Long(r)),
        [typeof(PullWeightChunk)] = r => new PullWeightChunk(Long(r), Text(r), Long(r), r.Next(int.MinValue, int.MaxValue)),
        [typeof(WeightChunk)] = r => new WeightChunk(Long(r), Long(r), Long(r), Slice(r)),
        [typeof(WeightsUnavailable)] = r => new WeightsUnavailable(Long(r), r.Next(2) == 0 ? null : Long(r), Text(r)),
        [typeof(GetSamplers)] = _ => GetSamplers.Instance,
        [typeof(SamplersState)] = r => new SamplersState([.. Enumerable.Range(0, r.Next(0, 4)).Select(_ => Text(r))]),
        [typeof(ScoreGroup)] = r => new ScoreGroup(Long(r), Scored(r).Members),
        [typeof(MetricsLine)] = r => new MetricsLine(Long(r), [.. Enumerable.Range(0, r.Next(0, 6)).Select(_ => Metric(r, nested: false))]),
        [typeof(SamplerProgress)] = r => new SamplerProgress(Text(r), r.Next(), r.Next(), Long(r), Double(r)),
        [typeof(RewindMetrics)] = r => new RewindMetrics(Long(r)),
        [typeof(MetricsRewound)] = r => new MetricsRewound(Long(r), r.Next()),
        [typeof(FlushMetrics)] = _ => FlushMetrics.Instance,
        [typeof(MetricsFlushed)] = r => new MetricsFlushed([.. Enumerable.Range(0, r.Next(0, 4)).Select(_ => Text(r))]),
        [typeof(RunFinished)] = r => new RunFinished(Long(r), Long(r), r.Next(2) == 0 ? null : Double(r), Text(r)),
        [typeof(RunFailed)] = r => new RunFailed(Text(r)),
    };

    private static long Long(Random r) =>
        r.Next(4) switch { 0 => 0, 1 => long.MaxValue, 2 => long.MinValue, _ => r.NextInt64(long.MinValue, long.MaxValue) };

    private static ulong ULong(Random r) => (ulong)r.NextInt64(long.MinValue, long.MaxValue);

    private static double Double(Random r) => r.Next(6) switch
    {
        0 => double.NaN,
        1 => double.NegativeInfinity,
        2 => -0.0,
        3 => double.Epsilon,
        _ => (r.NextDouble() - 0.5) * Math.Pow(10, r.Next(-300, 300)),
    };

    private static DateTime Utc(Random r) => new(r.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);

    private static T Pick<T>(Random r) where T : struct, Enum
    {
        var values = Enum.GetValues<T>();
        return values[r.Next(values.Length)];
    }

    /// <summary>Empty, ASCII, or any Unicode scalar values (surrogate pairs included).</summary>
    // Every kind of metrics value; reals finite (MetricValue refuses NaN and infinities), members one level deep.
    private static MetricEntry Metric(Random r, bool nested)
    {
        double Finite() => Double(r) is var d && double.IsFinite(d) ? d : 0.5;
        var value = r.Next(nested ? 6 : 7) switch
        {
            0 => MetricValue.Null,
            1 => MetricValue.Of(Long(r)),
            2 => MetricValue.Of(Finite()),
            3 => MetricValue.Of(r.Next(2) == 0),
            4 => MetricValue.Of(Text(r)),
            5 => MetricValue.OfReals([.. Enumerable.Range(0, r.Next(0, 5)).Select(_ => r.Next(3) == 0 ? (double?)null : Finite())]),
            _ => MetricValue.OfMembers([.. Enumerable.Range(0, r.Next(0, 4)).Select(_ => Metric(r, nested: true))]),
        };
        return new MetricEntry(Text(r), value);
    }

    private static string Text(Random r)
    {
        var length = r.Next(0, 3) == 0 ? 0 : r.Next(1, 40);
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var scalar = r.Next(3) == 0 ? r.Next(0x20, 0x7F) : r.Next(0, 0x10FFFF);
            if (scalar is >= 0xD800 and <= 0xDFFF) scalar = 'x';
            sb.Append(char.ConvertFromUtf32(scalar));
        }
        return sb.ToString();
    }

    private static CheckpointCommitted Checkpoint(Random r) => new(Long(r), Long(r), Text(r), Text(r));

    private static DropCounts Drops(Random r) => new(Long(r), Long(r), Long(r), Long(r), Long(r));

    private static PromptSlot Slot(Random r) => new(Long(r), Long(r), ULong(r));

    private static LedgerStatus Status(Random r) => new(
        Long(r), Long(r), Long(r), r.Next(2) == 0, new GroupCounts(Long(r), Long(r), Long(r), Long(r), Long(r)), Drops(r),
        new PromptCursor(Long(r), Long(r), Long(r)), Long(r), Long(r), Long(r), Long(r), r.Next(2) == 0 ? null : Checkpoint(r))
    {
        Checkpoints = [.. Enumerable.Range(0, r.Next(0, 4)).Select(_ => Checkpoint(r))],
    };

    private static GroupEntry[] Entries(Random r) => [.. Enumerable.Range(0, r.Next(0, 5)).Select(_ => new GroupEntry(
        Long(r), Slot(r), Pick<GroupState>(r), Long(r), Long(r), Text(r), Utc(r),
        r.Next(2) == 0 ? null : new GroupOutcome(Long(r), r.Next(2) == 0, r.Next(), Double(r)), Long(r), Long(r)))];

    private static Gipo.Model.Checkpoints.PolicyWeights Weights(Random r)
    {
        var data = new byte[r.Next(0, 64)];
        r.NextBytes(data);
        return new Gipo.Model.Checkpoints.PolicyWeights(Long(r), data, Text(r));
    }

    /// <summary>Empty, or a slice in the middle of a larger array (as the store sends them).</summary>
    private static ReadOnlyMemory<byte> Slice(Random r)
    {
        var data = new byte[r.Next(0, 3000)];
        r.NextBytes(data);
        var start = r.Next(0, data.Length + 1);
        return data.AsMemory(start, r.Next(0, data.Length - start + 1));
    }

    private static ScoredGroup Scored(Random r)
    {
        // At least one member and score: ScoredGroup's computed MinVersion/Informative (read by the JSON comparison) need them.
        var n = r.Next(1, 5);
        var groupId = Long(r);
        var members = Enumerable.Range(0, n).Select(j => new Trajectory(
            Long(r), groupId, Text(r), j, [.. Enumerable.Range(0, r.Next(0, 20)).Select(_ => r.Next(int.MinValue, int.MaxValue))],
            [.. Enumerable.Range(0, r.Next(0, 20)).Select(_ => r.Next())],
            [.. Enumerable.Range(0, r.Next(0, 20)).Select(_ => (float)Double(r))], Long(r), Pick<FinishReason>(r))).ToArray();
        var scores = Enumerable.Range(0, r.Next(1, 5)).Select(_ => new OutcomeScore(Long(r), Double(r), r.Next(2) == 0, Text(r))).ToArray();
        // Counts and ids need not agree: the codec carries any value, validation is the receiver's business.
        return new ScoredGroup(groupId, Text(r), members, scores, r.Next(2) == 0 ? null : Text(r));
    }
}
