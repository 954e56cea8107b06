using System.Text.Json;
using System.Text.Json.Serialization;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Scheduling;
using Gipo.Cluster.Serialization;
using Gipo.Core.Algorithm.Entropy;

namespace Gipo.Cluster.Tests.Serialization;

/// <summary>
/// "Readable forever", checked: the bytes of a fixed example of every manifest that reaches a journal (the events and
/// snapshots of the run ledger in the layout written now, and every older layout still read, the retired
/// entropy-scheduler journal's included) are pinned here as hex. A codec change that moves a byte of a persisted layout fails here, and so does a new
/// manifest that nobody has declared either persisted (with a golden sample) or a message that never reaches a journal.
/// When a layout must change: add a new manifest version, keep the old reader, and move the old sample to a legacy
/// entry (<see cref="Legacy"/>) — never edit a pinned hex string.
/// </summary>
public sealed class JournalGoldenBytesTests
{
    private static readonly DateTime Deadline = new(2026, 3, 14, 15, 9, 26, 535, DateTimeKind.Utc);

    private static readonly CheckpointCommitted Checkpoint = new(40, 40, "runs/golden/checkpoints/step-000040", "9f86d081884c7d659a2feaa0c55ad015");

    private static readonly SettingsChanged Changed =
        new("req-7", 12, [new SettingChange("algorithm.optim.lr", "3e-4"), new SettingChange("run.steps", "50")]);

    // The scheduler's state travels as the JSON text EntropySchedulerJson wrote; the codec stores it as a string, so a
    // short fixed text pins the layout as well as a real state would.
    private const string StateJson = """{"schema":1,"buckets":2,"lambda":[0.5,0.25]}""";

    private static readonly EntropyUpdated Updated = new(
        new EntropyStats(12, 12, [0.75, 0.5], [3, 2], [120, 64], 0.625, 0.125),
        new EntropyCoefficients(12, [0.001, 0.002], [0.0, 0.5], [0.7, 0.45], [1.5, 1.25], false));

    private static readonly LedgerSnapshot Snapshot = new(
        NextGroupId: 101, NextSequence: 97, NextScoredOrdinal: 88, LearnerStep: 41, PolicyVersion: 41, ConsumedCount: 328,
        ConsumedSamples: 2624, FilteredSamples: 512, Drops: new DropCounts(3, 64, 2, 1, 4), LastCheckpoint: Checkpoint,
        Requeue: [new PromptSlot(90, 1234, 0xDEADBEEFCAFEF00DUL)],
        Active: [new GroupEntry(100, new PromptSlot(96, 77, 42UL), GroupState.Issued, 41, 40, "sampler-0", Deadline, null, 0, 0)],
        RecentConsumed: [new GroupEntry(95, new PromptSlot(91, 5, 7UL), GroupState.Consumed, 40, 39, "sampler-1", Deadline,
            new GroupOutcome(39, true, 8, 0.375), 85, 41)],
        RecentFiltered: [new GroupEntry(99, new PromptSlot(95, 6, 8UL), GroupState.Dropped, 41, 41, "sampler-0", Deadline,
            new GroupOutcome(41, false, 8, 1.0), 87, 41)],
        SettingsChanges: [Changed]);

    private static readonly CheckpointCommitted OlderCheckpoint =
        new(30, 30, "runs/golden/checkpoints/step-000030", "60303ae22b998861bce3b28f33eec1be");

    /// <summary>The snapshot written now (sld3): sld2 plus the checkpoints a resume may fall back to.</summary>
    private static readonly LedgerSnapshot SnapshotWithCheckpoints = Snapshot with { Checkpoints = [OlderCheckpoint, Checkpoint] };

    /// <summary>Every manifest written to a journal now: a fixed example and its pinned bytes.</summary>
    private static readonly Dictionary<string, (object Example, string Hex)> Current = new(StringComparer.Ordinal)
    {
        // ---- run ledger events (RunCoordinator)
        ["egi1"] = (new GroupIssued(17, 16, 4093, 0x0123456789ABCDEFUL, 5, 4, "akka.tcp://gipo@10.0.0.7:4053/user/samplers/sampler-0", Deadline),
            "11000000000000001000000000000000FD0F000000000000EFCDAB896745230105000000000000000400000000000000"
            + "35616B6B612E7463703A2F2F6769706F4031302E302E302E373A343035332F757365722F73616D706C6572732F73616D"
            + "706C65722D307079E6AEDB81DE08"),
        ["egg1"] = (new GroupGenerated(17, "sampler-0", Deadline),
            "11000000000000000973616D706C65722D307079E6AEDB81DE08"),
        ["egs1"] = (new GroupScored(17, 4, true, 8, 0.625),
            "110000000000000004000000000000000108000000000000000000E43F"),
        ["egc1"] = (new GroupConsumed(17, 6),
            "11000000000000000600000000000000"),
        ["egd1"] = (new GroupDropped(18, DropReason.LeaseExpiredReissued),
            "120000000000000003"),
        ["els1"] = (new LearnerStepCompleted(6, 6),
            "06000000000000000600000000000000"),
        ["eck1"] = (Checkpoint,
            "280000000000000028000000000000002372756E732F676F6C64656E2F636865636B706F696E74732F737465702D3030"
            + "30303430203966383664303831383834633764363539613266656161306335356164303135"),
        ["erb1"] = (new RolledBackToCheckpoint(40, 40),
            "28000000000000002800000000000000"),
        ["esc1"] = (Changed,
            "057265712D370C000000000000000212616C676F726974686D2E6F7074696D2E6C720433652D340972756E2E73746570"
            + "73023530"),
        // ---- run ledger snapshot
        ["sld3"] = (SnapshotWithCheckpoints,
            "650000000000000061000000000000005800000000000000290000000000000029000000000000004801000000000000"
            + "400A00000000000000020000000000000300000000000000400000000000000002000000000000000100000000000000"
            + "040000000000000001280000000000000028000000000000002372756E732F676F6C64656E2F636865636B706F696E74"
            + "732F737465702D303030303430203966383664303831383834633764363539613266656161306335356164303135015A"
            + "00000000000000D2040000000000000DF0FECAEFBEADDE01640000000000000060000000000000004D00000000000000"
            + "2A0000000000000001290000000000000028000000000000000973616D706C65722D307079E6AEDB81DE080000000000"
            + "000000000000000000000000015F000000000000005B0000000000000005000000000000000700000000000000042800"
            + "00000000000027000000000000000973616D706C65722D317079E6AEDB81DE0801270000000000000001080000000000"
            + "00000000D83F550000000000000029000000000000000163000000000000005F00000000000000060000000000000008"
            + "0000000000000005290000000000000029000000000000000973616D706C65722D307079E6AEDB81DE08012900000000"
            + "0000000008000000000000000000F03F5700000000000000290000000000000001057265712D370C0000000000000002"
            + "12616C676F726974686D2E6F7074696D2E6C720433652D340972756E2E7374657073023530021E000000000000001E00"
            + "0000000000002372756E732F676F6C64656E2F636865636B706F696E74732F737465702D303030303330203630333033"
            + "616532326239393838363162636533623238663333656563316265280000000000000028000000000000002372756E73"
            + "2F676F6C64656E2F636865636B706F696E74732F737465702D3030303034302039663836643038313838346337643635"
            + "39613266656161306335356164303135"),
    };

    /// <summary>
    /// Every older layout a journal may still hold: its pinned bytes and what they must load as. sld2 is the layout
    /// before the fallback checkpoints (pinned while it was current); sld1 is the sld2 sample without its trailing list
    /// of settings changes: the layout journals had before live settings changes existed. eeu1, erc1, esr1 and ses1 are
    /// the events and snapshot of the retired entropy-scheduler actor (pinned while they were written).
    /// </summary>
    private static readonly Dictionary<string, (object Expected, string Hex)> Legacy = new(StringComparer.Ordinal)
    {
        ["sld2"] = (Snapshot,
            "650000000000000061000000000000005800000000000000290000000000000029000000000000004801000000000000"
            + "400A00000000000000020000000000000300000000000000400000000000000002000000000000000100000000000000"
            + "040000000000000001280000000000000028000000000000002372756E732F676F6C64656E2F636865636B706F696E74"
            + "732F737465702D303030303430203966383664303831383834633764363539613266656161306335356164303135015A"
            + "00000000000000D2040000000000000DF0FECAEFBEADDE01640000000000000060000000000000004D00000000000000"
            + "2A0000000000000001290000000000000028000000000000000973616D706C65722D307079E6AEDB81DE080000000000"
            + "000000000000000000000000015F000000000000005B0000000000000005000000000000000700000000000000042800"
            + "00000000000027000000000000000973616D706C65722D317079E6AEDB81DE0801270000000000000001080000000000"
            + "00000000D83F550000000000000029000000000000000163000000000000005F00000000000000060000000000000008"
            + "0000000000000005290000000000000029000000000000000973616D706C65722D307079E6AEDB81DE08012900000000"
            + "0000000008000000000000000000F03F5700000000000000290000000000000001057265712D370C0000000000000002"
            + "12616C676F726974686D2E6F7074696D2E6C720433652D340972756E2E7374657073023530"),
        ["sld1"] = (Snapshot with { SettingsChanges = null },
            "650000000000000061000000000000005800000000000000290000000000000029000000000000004801000000000000"
            + "400A00000000000000020000000000000300000000000000400000000000000002000000000000000100000000000000"
            + "040000000000000001280000000000000028000000000000002372756E732F676F6C64656E2F636865636B706F696E74"
            + "732F737465702D303030303430203966383664303831383834633764363539613266656161306335356164303135015A"
            + "00000000000000D2040000000000000DF0FECAEFBEADDE01640000000000000060000000000000004D00000000000000"
            + "2A0000000000000001290000000000000028000000000000000973616D706C65722D307079E6AEDB81DE080000000000"
            + "000000000000000000000000015F000000000000005B0000000000000005000000000000000700000000000000042800"
            + "00000000000027000000000000000973616D706C65722D317079E6AEDB81DE0801270000000000000001080000000000"
            + "00000000D83F550000000000000029000000000000000163000000000000005F00000000000000060000000000000008"
            + "0000000000000005290000000000000029000000000000000973616D706C65722D307079E6AEDB81DE08012900000000"
            + "0000000008000000000000000000F03F57000000000000002900000000000000"),
        // ---- the retired entropy-scheduler journal (persistence id run-<id>-entropy-scheduler): nothing writes these
        // since the scheduler's state lives in the learner's checkpoint only; journals of older runs hold them. Pinned
        // while they were written.
        ["eeu1"] = (Updated,
            "0C000000000000000C0000000000000002000000000000E83F000000000000E03F020300000002000000027800000000"
            + "0000004000000000000000000000000000E43F000000000000C03F0C0000000000000002FCA9F1D24D62503FFCA9F1D2"
            + "4D62603F020000000000000000000000000000E03F02666666666666E63FCDCCCCCCCCCCDC3F02000000000000F83F00"
            + "0000000000F43F00"),
        ["erc1"] = (new EntropySchedulerReconfigured(12, """{"kappa0":0.8,"pid":false}"""),
            "0C000000000000001A7B226B6170706130223A302E382C22706964223A66616C73657D"),
        ["esr1"] = (new EntropySchedulerRestored(40, StateJson, "c0ffee"),
            "28000000000000002C7B22736368656D61223A312C226275636B657473223A322C226C616D626461223A5B302E352C30"
            + "2E32355D7D06633066666565"),
        ["ses1"] = (new EntropySchedulerSnapshot(StateJson, "c0ffee", Updated),
            "2C7B22736368656D61223A312C226275636B657473223A322C226C616D626461223A5B302E352C302E32355D7D066330"
            + "66666565010C000000000000000C0000000000000002000000000000E83F000000000000E03F02030000000200000002"
            + "78000000000000004000000000000000000000000000E43F000000000000C03F0C0000000000000002FCA9F1D24D6250"
            + "3FFCA9F1D24D62603F020000000000000000000000000000E03F02666666666666E63FCDCCCCCCCCCCDC3F0200000000"
            + "0000F83F000000000000F43F00"),
    };

    /// <summary>Manifests of messages between actors: never journaled, so their layout may change with the build.</summary>
    private static readonly HashSet<string> Messages = new(StringComparer.Ordinal)
    {
        "cc1", "cr1", "cs1", "fm1", "gd1", "gr1", "gs1", "gsa1", "mf1", "ml2", "mr1", "nb1", "ne1", "nw1", "pp2",
        "pw1", "pwc1", "ra1", "rb1", "rf1", "rff1", "rm1", "rs2", "rw1", "sa1", "sc1", "sf1", "sg1", "sp1", "spg1",
        "ssa1", "tb2", "wc1", "wl1", "wu1"
    };

    /// <summary>Older layouts of messages, still read from nodes of an older build during a rolling upgrade: not journaled, so not pinned.</summary>
    private static readonly HashSet<string> LegacyMessages = new(StringComparer.Ordinal) { "ml1", "rs1" };

    public static TheoryData<string> CurrentManifests() => [.. Current.Keys.Order(StringComparer.Ordinal)];

    public static TheoryData<string> LegacyManifests() => [.. Legacy.Keys.Order(StringComparer.Ordinal)];

    [Theory(DisplayName = "A persisted manifest's example encodes to its pinned bytes, and the pinned bytes decode to the example")]
    [MemberData(nameof(CurrentManifests))]
    public void Current_layout_is_pinned(string manifest)
    {
        var (example, hex) = Current[manifest];
        Assert.Equal(manifest, GipoCodecs.ManifestOf(example));
        Assert.Equal(hex, Convert.ToHexString(GipoCodecs.Encode(example)));
        var decoded = GipoCodecs.Decode(Convert.FromHexString(hex), manifest);
        Assert.IsType(example.GetType(), decoded);
        Assert.Equal(Json(example), Json(decoded));
    }

    [Theory(DisplayName = "An older persisted layout's pinned bytes still decode, to what they meant")]
    [MemberData(nameof(LegacyManifests))]
    public void Legacy_layout_still_reads(string manifest)
    {
        var (expected, hex) = Legacy[manifest];
        Assert.Equal(expected.GetType(), GipoCodecs.LegacyManifests[manifest]);
        var decoded = GipoCodecs.Decode(Convert.FromHexString(hex), manifest);
        Assert.IsType(expected.GetType(), decoded);
        Assert.Equal(Json(expected), Json(decoded));
    }

    [Fact(DisplayName = "Every manifest is either persisted with a golden sample or declared a message; every journal event type is persisted")]
    public void Every_manifest_is_classified()
    {
        var written = GipoCodecs.Manifests;
        var legacy = GipoCodecs.LegacyManifests;
        var unclassified = written.Keys.Where(m => !Current.ContainsKey(m) && !Messages.Contains(m)).Order(StringComparer.Ordinal).ToList();
        Assert.True(unclassified.Count == 0,
            $"manifest(s) {string.Join(", ", unclassified)} have no golden sample: add one to {nameof(Current)} if the type is journaled or " +
            $"snapshotted, else declare it in {nameof(Messages)}");
        var unpinnedLegacy = legacy.Keys.Where(m => !Legacy.ContainsKey(m) && !LegacyMessages.Contains(m)).ToList();
        Assert.True(unpinnedLegacy.Count == 0, $"older layout(s) {string.Join(", ", unpinnedLegacy)} are read but have no pinned bytes " +
                                               $"in {nameof(Legacy)}");
        Assert.DoesNotContain(Current.Keys, Messages.Contains);
        Assert.All(Current.Keys, m => Assert.True(written.ContainsKey(m), $"{m} has a golden sample but is not a manifest this build writes"));
        Assert.All(Messages, m => Assert.True(written.ContainsKey(m), $"{m} is declared a message but is not a manifest this build writes"));

        // What certainly reaches a journal, whatever the lists say: every ledger event, the snapshots, and the event
        // family of manifests.
        var persistedTypes = Current.Values.Select(c => c.Example.GetType()).ToHashSet();
        var ledgerEvents = typeof(ILedgerEvent).Assembly.GetTypes()
            .Where(t => typeof(ILedgerEvent).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false });
        Assert.All(ledgerEvents, t => Assert.Contains(t, persistedTypes));
        Assert.Contains(typeof(LedgerSnapshot), persistedTypes);
        Assert.All(written.Keys.Where(m => EventFamily.IsMatch(m)),
                   m => Assert.True(Current.ContainsKey(m), $"event manifest {m} has no golden sample"));
    }

    // Journal events are "e" + two letters + version (CoordinationCodecs).
    private static readonly System.Text.RegularExpressions.Regex EventFamily = new("^e[a-z]{2}[0-9]+$");

    private static readonly JsonSerializerOptions JsonOptions = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static string Json(object value) => JsonSerializer.Serialize(value, value.GetType(), JsonOptions);
}
