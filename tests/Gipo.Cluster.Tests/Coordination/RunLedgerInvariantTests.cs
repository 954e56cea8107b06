using Gipo.Cluster.Coordination;
using Gipo.Cluster.Serialization;
using Gipo.Core.Algorithm.Admission;
using Xunit.Abstractions;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>
/// Seeded random command sequences (samplers leasing, results arriving late, twice or never, holders dying, leases
/// expiring, the coordinator losing its payloads, checkpoints and resumes) with the ledger's invariants checked after
/// every command against an independent fold of the event log.
/// </summary>
public sealed class RunLedgerInvariantTests(ITestOutputHelper output)
{
    private static readonly string[] Holders = ["h0", "h1", "h2", "h3"];

    [Theory(DisplayName = "Random command sequences keep every invariant: nothing lost, nothing consumed twice, admission bound, " +
                          "Δ ≤ η, replay equality")]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Invariants_hold_under_random_commands(int seed)
    {
        var rng = new Random(seed);
        var settings = Settings(
            groupsPerStep: rng.Next(1, 4), groupSize: 2, maxStaleness: rng.Next(0, 3), maxConcurrent: rng.Next(2, 9),
            promptCount: rng.Next(3, 21), runSeed: (ulong)seed, leaseSeconds: 10, dynamicSampling: rng.Next(2) == 0);
        var d = new LedgerDriver(settings);
        var l = d.Ledger;
        var model = new FateModel();
        var buffered = new HashSet<long>();
        var now = T0;
        long stepsCompleted = 0, rollbacks = 0;
        LedgerSnapshot? snapshot = null;
        var eventsAtSnapshot = 0;

        for (var i = 0; i < 1500; i++)
        {
            var roll = rng.NextDouble();
            IReadOnlyList<ILedgerEvent> events = [];
            if (roll < 0.30)
            {
                var version = rng.NextDouble() < 0.05 ? l.PolicyVersion + 1 : Math.Max(0, l.PolicyVersion - rng.Next(0, settings.MaxStaleness + 2));
                events = l.RequestWork(Holders[rng.Next(Holders.Length)], version, now).Lease is { } lease ? [lease] : [];
            }
            else if (roll < 0.37)
            {
                var issued = l.ActiveGroups.Where(g => g.State == GroupState.Issued).ToList();
                if (issued.Count > 0) events = l.GenerationDone(issued[rng.Next(issued.Count)].GroupId, "scorer", now);
            }
            else if (roll < 0.60)
            {
                var leased = l.ActiveGroups.Where(g => g.State is GroupState.Issued or GroupState.Generated).ToList();
                var id = leased.Count > 0 && rng.NextDouble() < 0.75 ? leased[rng.Next(leased.Count)].GroupId : rng.NextInt64(1, l.TotalIssued + 3);
                var minVersion = l.Group(id)?.SamplerVersion ?? rng.NextInt64(0, l.PolicyVersion + 1);
                var samples = rng.NextDouble() < 0.05 ? settings.GroupSize + 1 : settings.GroupSize;
                var decision = l.RecordResult(id, new GroupOutcome(minVersion, rng.NextDouble() < 0.7, samples, rng.NextDouble()));
                if (decision.Outcome == ResultOutcome.Accepted) buffered.Add(id);
                events = decision.Events;
            }
            else if (roll < 0.75)
            {
                var step = rng.NextDouble() < 0.9 ? l.LearnerStep + 1 : l.LearnerStep + rng.Next(-1, 3);
                var batch = l.NextBatch(step, buffered.Contains);
                foreach (var c in batch.Events.OfType<GroupConsumed>())
                    Assert.InRange(l.PolicyVersion - l.Group(c.GroupId)!.Outcome!.Value.MinVersion, 0, settings.MaxStaleness); // Δ ≤ η at consumption
                if (batch.Outcome == BatchOutcome.Ready) Assert.Equal(settings.GroupsPerStep, batch.GroupIds.Count);
                events = batch.Events;
            }
            else if (roll < 0.85)
            {
                var done = l.CompleteStep(l.LearnerStep + 1, l.PolicyVersion + 1);
                if (done.Events.Count > 0) stepsCompleted++;
                events = done.Events;
            }
            else if (roll < 0.89)
            {
                events = l.CommitCheckpoint(l.LearnerStep, l.PolicyVersion, $"ck/{l.LearnerStep}", "ff").Events;
            }
            else if (roll < 0.905)
            {
                var rollback = l.RollbackTo(l.LastCheckpoint?.LearnerStep ?? 0);
                Assert.True(rollback.Accepted, rollback.Rejection);
                events = rollback.Events;
                buffered.Clear(); // a resumed process holds no payloads
                rollbacks++;
            }
            else if (roll < 0.95)
            {
                now = now.AddSeconds(rng.Next(0, 16));
                events = l.ExpireLeases(now);
            }
            else if (roll < 0.98)
            {
                events = l.HolderDied(Holders[rng.Next(Holders.Length)]);
            }
            else
            {
                buffered.Clear(); // the coordinator restarted: payloads are gone, the journal is not
            }

            d.Do(events);
            foreach (var e in events) model.Apply(e);
            if (events.OfType<RolledBackToCheckpoint>().Any())
                Assert.Equal(AdmissionControl.ResumeCounters(l.PolicyVersion, settings.GroupsPerStep), new AdmissionCounters(l.Accepted, l.Running));
            CheckInvariants(l, model);

            if (i % 100 == 0)
            {
                snapshot = (LedgerSnapshot)GipoCodecs.Decode(GipoCodecs.Encode(l.ToSnapshot()), GipoCodecs.ManifestOf(l.ToSnapshot()));
                eventsAtSnapshot = d.Log.Count;
            }
        }

        var state = Json(l.ToSnapshot());
        Assert.Equal(state, Json(RunLedger.Replay(settings, d.Log).ToSnapshot()));
        Assert.Equal(state, Json(RunLedger.Replay(settings, d.Log.Skip(eventsAtSnapshot), snapshot).ToSnapshot()));
        // The offline audit of the whole log finds nothing and agrees with the ledger.
        var audit = LedgerAudit.Run(settings, d.Log);
        Assert.True(audit.Clean, string.Join("\n", audit.Problems()));
        Assert.Equal(l.Status, audit.Ledger);
        Assert.Equal((l.LearnerStep, l.PolicyVersion, rollbacks), (audit.FinalLearnerStep, audit.FinalPolicyVersion, audit.Counts.Rollbacks));
        output.WriteLine($"seed {seed}: {settings}; {d.Log.Count} events, {stepsCompleted} steps completed, {rollbacks} rollbacks, final {l.Status}");
        Assert.True(stepsCompleted >= 10, $"only {stepsCompleted} steps completed: the sequence exercises too little");
    }

    private static void CheckInvariants(RunLedger l, FateModel model)
    {
        var s = l.Settings;
        // Nothing issued is lost and nothing is duplicated: every slot drawn is either waiting in the queue or owned by
        // exactly one group that is active, consumed or filtered.
        var requeued = l.Requeued.Select(x => x.Sequence).ToHashSet();
        var owners = model.Owners();
        for (var seq = 0L; seq < l.Cursor.NextSequence; seq++)
        {
            var count = owners.GetValueOrDefault(seq);
            Assert.True(requeued.Contains(seq) ? count == 0 : count == 1, $"slot {seq}: {count} owners, requeued={requeued.Contains(seq)}");
        }
        Assert.All(requeued, seq => Assert.InRange(seq, 0, l.Cursor.NextSequence - 1));

        // The ledger's counts are those of the independent fold.
        Assert.Equal(model.Counts(), l.Counts);
        Assert.Equal(model.Drops(), l.Drops);

        // Each completed step consumed exactly B groups; the step in progress 0 or B; none beyond.
        var perStep = model.ConsumedPerStep();
        for (var step = 1L; step <= l.LearnerStep; step++) Assert.Equal(s.GroupsPerStep, perStep.GetValueOrDefault(step));
        Assert.Contains(perStep.GetValueOrDefault(l.LearnerStep + 1), new[] { 0, s.GroupsPerStep });
        Assert.All(perStep.Keys, step => Assert.InRange(step, 1, l.LearnerStep + 1));

        // Admission: N_accepted + N_running ≤ (η + v + 1)·B and N_running ≤ max_concurrent, with the library's capacity.
        Assert.InRange(l.Accepted + l.Running, 0, (s.MaxStaleness + l.PolicyVersion + 1) * s.GroupsPerStep);
        Assert.InRange(l.Running, 0, s.MaxConcurrent);
        Assert.Equal(AdmissionControl.Capacity(l.Accepted, l.Running, l.PolicyVersion, s.MaxStaleness, s.GroupsPerStep, s.MaxConcurrent), l.Capacity);
    }

    /// <summary>Each group's fate, folded from the events with none of the ledger's code.</summary>
    private sealed class FateModel
    {
        private readonly Dictionary<long, long> sequenceOf = [];
        private readonly Dictionary<long, (GroupState State, DropReason? Reason, long Step)> fate = [];

        public void Apply(ILedgerEvent e)
        {
            switch (e)
            {
                case GroupIssued x: sequenceOf[x.GroupId] = x.Sequence; fate[x.GroupId] = (GroupState.Issued, null, 0); break;
                case GroupGenerated x: fate[x.GroupId] = (GroupState.Generated, null, 0); break;
                case GroupScored x: fate[x.GroupId] = (GroupState.Scored, null, 0); break;
                case GroupConsumed x: fate[x.GroupId] = (GroupState.Consumed, null, x.LearnerStep); break;
                case GroupDropped x: fate[x.GroupId] = (GroupState.Dropped, x.Reason, 0); break;
            }
        }

        public Dictionary<long, int> Owners() => fate
            .Where(kv => kv.Value.State != GroupState.Dropped || kv.Value.Reason == DropReason.Filtered)
            .GroupBy(kv => sequenceOf[kv.Key]).ToDictionary(g => g.Key, g => g.Count());

        public GroupCounts Counts() => new(
            Count(GroupState.Issued), Count(GroupState.Generated), Count(GroupState.Scored), Count(GroupState.Consumed), Count(GroupState.Dropped));

        public DropCounts Drops()
        {
            var drops = new DropCounts();
            foreach (var f in fate.Values.Where(f => f.State == GroupState.Dropped)) drops = drops.Add(f.Reason!.Value, 1);
            return drops;
        }

        public Dictionary<long, int> ConsumedPerStep() => fate.Values.Where(f => f.State == GroupState.Consumed)
            .GroupBy(f => f.Step).ToDictionary(g => g.Key, g => g.Count());

        private long Count(GroupState state) => fate.Values.LongCount(f => f.State == state);
    }
}
