namespace Gipo.Cluster.Coordination;

/// <summary>One consumption of a group at a learner step, as the journal records it.</summary>
/// <param name="EventIndex">Position of the <see cref="GroupConsumed"/> in the audited event list.</param>
/// <param name="Sequence">The group's prompt slot.</param>
/// <param name="PolicyVersion">The learner's version when the batch was taken: the version the consumption guard measures against.</param>
/// <param name="MinVersion">The group's oldest behaviour version (<see cref="GroupScored.MinVersion"/>); −1 when the group was never scored.</param>
/// <param name="Undone">A <see cref="DropReason.ResumedRollback"/> drop of the group (or a rollback past its step) undid it later.</param>
public sealed record Consumption(int EventIndex, long GroupId, long Sequence, long LearnerStep, long PolicyVersion, long MinVersion, bool Undone);

/// <summary>A prompt slot trained more than once: two or more consumptions still in effect after every rollback.</summary>
public sealed record DoubleConsumption(long Sequence, IReadOnlyList<Consumption> Consumptions);

/// <summary>A prompt slot that was drawn and is nowhere: not queued, in no active group, and no finished group's fate.</summary>
/// <param name="LastGroupId">The last group that held the slot; null when none ever did (the cursor skipped it).</param>
/// <param name="Why">What became of it.</param>
public sealed record LostSlot(long Sequence, long? LastGroupId, string Why);

/// <summary>A group consumed with Δ = <paramref name="PolicyVersion"/> − <paramref name="MinVersion"/> &gt; η (§A.8 guard).</summary>
/// <param name="MaxStaleness">The bound η in force at <paramref name="LearnerStep"/> (live changes included).</param>
public sealed record StalenessViolation(long GroupId, long LearnerStep, long PolicyVersion, long MinVersion, long Staleness, int MaxStaleness, bool Undone);

/// <summary>What the audited events add up to.</summary>
/// <param name="Events">Events audited.</param>
/// <param name="GroupsIssued">Groups issued (re-issues count: each is a new group).</param>
/// <param name="SlotsDrawn">Prompt slots drawn: the cursor's next sequence.</param>
/// <param name="Consumed">Consumptions still in effect.</param>
/// <param name="ConsumptionsUndone">Consumptions undone by rollbacks (and re-assembled batches).</param>
/// <param name="Filtered">Groups whose fate is "filtered" (not rolled back).</param>
/// <param name="Requeued">Slots waiting in the re-issue queue at the end.</param>
/// <param name="Active">Groups issued, generated or scored at the end.</param>
/// <param name="StepsCompleted"><see cref="LearnerStepCompleted"/> events (steps redone after a rollback count again).</param>
/// <param name="Rollbacks"><see cref="RolledBackToCheckpoint"/> events.</param>
/// <param name="Checkpoints"><see cref="CheckpointCommitted"/> events.</param>
public readonly record struct LedgerAuditCounts(
    long Events, long GroupsIssued, long SlotsDrawn, long Consumed, long ConsumptionsUndone, long Filtered, long Requeued,
    long Active, long StepsCompleted, long Rollbacks, long Checkpoints);

/// <summary>The verdict of <see cref="LedgerAudit.Run"/>.</summary>
/// <param name="ConsumedTwice">Slots (hence also group ids) consumed more than once with both consumptions in effect.</param>
/// <param name="Lost">Slots drawn that are nowhere.</param>
/// <param name="StalenessViolations">Consumptions that broke Δ ≤ η (undone ones included: the guard was still broken).</param>
/// <param name="Anomalies">
/// Everything else that is wrong: the first event <see cref="RunLedger"/> refused to apply (the ledger is not fed after
/// it), a slot in two places at once, and any difference between the ledger's own accounting and this audit's.
/// </param>
/// <param name="Ledger">The status of the <see cref="RunLedger"/> the events were applied to; null if it refused one.</param>
/// <param name="Consumptions">Every consumption, in journal order.</param>
/// <param name="SettingsChanges">The live settings changes (<c>gipo set</c>) the journal holds, in journal order.</param>
public sealed record LedgerAuditReport(
    LedgerAuditCounts Counts, long FinalLearnerStep, long FinalPolicyVersion,
    IReadOnlyList<DoubleConsumption> ConsumedTwice, IReadOnlyList<LostSlot> Lost, IReadOnlyList<StalenessViolation> StalenessViolations,
    IReadOnlyList<string> Anomalies, LedgerStatus? Ledger, IReadOnlyList<Consumption> Consumptions,
    IReadOnlyList<SettingsChanged>? SettingsChanges = null)
{
    /// <summary>Nothing trained twice, nothing lost, no staleness violation, no anomaly.</summary>
    public bool Clean => ConsumedTwice.Count == 0 && Lost.Count == 0 && StalenessViolations.Count == 0 && Anomalies.Count == 0;

    /// <summary>
    /// The clean verdict in words: <see cref="LedgerAuditCounts.Consumed"/> already leaves out the consumptions that
    /// rollbacks undid (subtracting them again under-counted: "1560 trained" for 1600, "0" after a resume).
    /// </summary>
    public string CleanSummary() =>
        $"{Counts.Consumed} groups trained once each ({Counts.ConsumptionsUndone} consumption(s) undone by rollbacks and trained again), " +
        $"none lost, staleness ≤ η, {Counts.Rollbacks} rollback(s)";

    /// <summary>One line per problem, for logs and status output.</summary>
    public IEnumerable<string> Problems() =>
        ConsumedTwice.Select(d => $"slot {d.Sequence} consumed twice: " + string.Join(", ", d.Consumptions.Select(c => $"group {c.GroupId} at step {c.LearnerStep}")))
            .Concat(Lost.Select(l => $"slot {l.Sequence} lost: {l.Why}"))
            .Concat(StalenessViolations.Select(s => $"group {s.GroupId} consumed at step {s.LearnerStep} with Δ = {s.Staleness} > η = {s.MaxStaleness} (v{s.PolicyVersion} − v{s.MinVersion}){(s.Undone ? ", later undone" : "")}"))
            .Concat(Anomalies);
}

/// <summary>
/// An offline audit of a run coordinator's complete event log (e.g. <see cref="RunJournal.Events"/>), with no Akka in it.
/// <para>
/// The events are applied to a <see cref="RunLedger"/>, which validates each against its state and keeps the run's
/// accounting; that ledger's final status is part of the report. The ledger, however, only keeps counters for groups
/// that a checkpoint made final, so it cannot say afterwards which slot went where. The audit therefore also follows
/// each prompt slot through the events itself — which group holds it, whether a consumption was later undone by a
/// <see cref="DropReason.ResumedRollback"/> drop — and checks the ledger's totals against its own. The audit never
/// throws on a bad event: it reports it.
/// </para>
/// </summary>
public static class LedgerAudit
{
    private enum Fate : byte
    {
        Active = 1,
        Consumed = 2,
        Filtered = 3,
        Requeued = 4,
        DroppedNotRequeued = 5,
        RolledBackNotRequeued = 6,
    }

    private sealed class Group(long id, long sequence)
    {
        public long Id { get; } = id;
        public long Sequence { get; } = sequence;
        public Fate Fate { get; set; } = Fate.Active;
        public long MinVersion { get; set; } = -1;
        public bool Scored => MinVersion >= 0;
        public string? Note { get; set; }
    }

    private sealed class Consumed(int index, Group group, long step, long version)
    {
        public int Index { get; } = index;
        public Group Group { get; } = group;
        public long Step { get; } = step;
        public long Version { get; } = version;
        public long MinVersion { get; } = group.MinVersion;
        public bool Undone { get; set; }

        public Consumption ToRecord() => new(Index, Group.Id, Group.Sequence, Step, Version, MinVersion, Undone);
    }

    /// <summary>Audits <paramref name="events"/>, the coordinator's events from the first one on, in journal order.</summary>
    /// <param name="settings">The run's ledger settings (η, B, the prompt order).</param>
    public static LedgerAuditReport Run(LedgerSettings settings, IEnumerable<ILedgerEvent> events)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(events);
        RunLedger? ledger = new(settings);
        var anomalies = new List<string>();
        var groups = new Dictionary<long, Group>();
        var consumptions = new List<Consumed>();
        var requeue = new SortedSet<long>();
        var skipped = new HashSet<long>();
        var settingsChanges = new List<SettingsChanged>();
        long nextSequence = 0, learnerStep = 0, policyVersion = 0, count = 0, steps = 0, rollbacks = 0, checkpoints = 0;

        var index = -1;
        foreach (var e in events)
        {
            index++;
            count++;
            if (ledger is not null)
            {
                try
                {
                    ledger.Apply(e);
                }
                catch (InvalidOperationException ex)
                {
                    anomalies.Add($"event #{index} {e} does not fit the ledger: {ex.Message} (the ledger is not followed further)");
                    ledger = null;
                }
            }

            switch (e)
            {
                case GroupIssued x:
                    if (!requeue.Remove(x.Sequence))
                    {
                        if (x.Sequence >= nextSequence)
                        {
                            for (var s = nextSequence; s < x.Sequence; s++) skipped.Add(s);
                            nextSequence = x.Sequence + 1;
                        }
                        else anomalies.Add($"event #{index}: group {x.GroupId} took slot {x.Sequence}, which was drawn before and is not queued");
                    }
                    skipped.Remove(x.Sequence);
                    if (groups.ContainsKey(x.GroupId)) anomalies.Add($"event #{index}: group id {x.GroupId} issued twice");
                    groups[x.GroupId] = new Group(x.GroupId, x.Sequence);
                    break;
                case GroupScored x:
                    if (Known(x.GroupId, x) is { } scored) scored.MinVersion = x.MinVersion;
                    break;
                case GroupConsumed x:
                    if (Known(x.GroupId, x) is not { } g) break;
                    if (!g.Scored) anomalies.Add($"event #{index}: group {g.Id} consumed without a score");
                    var c = new Consumed(index, g, x.LearnerStep, policyVersion);
                    consumptions.Add(c);
                    g.Fate = Fate.Consumed;
                    break;
                case GroupDropped x:
                    if (Known(x.GroupId, x) is not { } d) break;
                    if (x.Reason == DropReason.ResumedRollback)
                    {
                        foreach (var undone in consumptions.Where(k => k.Group == d && !k.Undone)) undone.Undone = true;
                    }
                    if (x.Reason == DropReason.Filtered)
                    {
                        if (d.Scored && d.Fate == Fate.Active) d.Fate = Fate.Filtered;
                        else
                        {
                            d.Note = $"group {d.Id} was dropped as filtered while {(d.Fate == Fate.Active ? "not scored" : d.Fate.ToString().ToLowerInvariant())}: the slot was not re-queued";
                            d.Fate = Fate.DroppedNotRequeued;
                        }
                    }
                    else
                    {
                        d.Fate = Fate.Requeued;
                        requeue.Add(d.Sequence);
                    }
                    break;
                case LearnerStepCompleted x:
                    learnerStep = x.LearnerStep;
                    policyVersion = x.PolicyVersion;
                    steps++;
                    break;
                case CheckpointCommitted:
                    checkpoints++;
                    break;
                case SettingsChanged x:
                    settingsChanges.Add(x);
                    break;
                case RolledBackToCheckpoint x:
                    // The coordinator drops every group consumed after the checkpoint before this event; one it did not
                    // drop stays counted as trained although the learner lost that step, and its slot is never re-issued.
                    foreach (var k in consumptions.Where(k => !k.Undone && k.Step > x.LearnerStep))
                    {
                        k.Undone = true;
                        k.Group.Fate = Fate.RolledBackNotRequeued;
                        k.Group.Note = $"group {k.Group.Id}, consumed at step {k.Step}, was undone by the rollback to step {x.LearnerStep} but its slot was not re-queued";
                        anomalies.Add($"event #{index}: the rollback to step {x.LearnerStep} left group {k.Group.Id}, consumed at step {k.Step}, in place");
                    }
                    learnerStep = x.LearnerStep;
                    policyVersion = x.PolicyVersion;
                    rollbacks++;
                    break;
            }
        }

        // Where each slot is now: queued, or owned by active / consumed / filtered groups.
        var owners = groups.Values.Where(g => g.Fate is Fate.Active or Fate.Consumed or Fate.Filtered)
            .GroupBy(g => g.Sequence).ToDictionary(x => x.Key, x => x.ToList());
        var lastHolder = groups.Values.GroupBy(g => g.Sequence).ToDictionary(x => x.Key, x => x.MaxBy(g => g.Id)!);
        var lost = new List<LostSlot>();
        for (var s = 0L; s < nextSequence; s++)
        {
            var owned = owners.GetValueOrDefault(s);
            var queued = requeue.Contains(s);
            if (owned is { Count: > 0 })
            {
                if (queued || owned.Count > 1)
                    anomalies.Add($"slot {s} is in two places: {(queued ? "queued, " : "")}groups {string.Join(", ", owned.Select(g => $"{g.Id} ({g.Fate})"))}");
                continue;
            }
            if (queued) continue;
            lost.Add(lastHolder.TryGetValue(s, out var last)
                ? new LostSlot(s, last.Id, last.Note ?? $"group {last.Id} ended {last.Fate.ToString().ToLowerInvariant()} and the slot is neither queued nor owned")
                : new LostSlot(s, null, skipped.Contains(s) ? "the cursor skipped it: no group was ever issued for it" : "never issued"));
        }

        var doubles = consumptions.Where(c => !c.Undone).GroupBy(c => c.Group.Sequence).Where(x => x.Count() > 1)
            .Select(x => new DoubleConsumption(x.Key, [.. x.Select(c => c.ToRecord())])).OrderBy(d => d.Sequence).ToList();
        // The bound in force at the consumption's step: η may change mid-run (gipo set). A journal whose change does not
        // parse was already reported by the ledger; the audit then measures against the start-up bound.
        int BoundAt(long step)
        {
            try
            {
                return settings.InForceAt(settingsChanges, step).MaxStaleness;
            }
            catch (InvalidOperationException)
            {
                return settings.MaxStaleness;
            }
        }
        var staleness = consumptions.Select(c => (Consumption: c, Bound: BoundAt(c.Step)))
            .Where(x => x.Consumption.MinVersion >= 0 && x.Consumption.Version - x.Consumption.MinVersion > x.Bound)
            .Select(x => new StalenessViolation(x.Consumption.Group.Id, x.Consumption.Step, x.Consumption.Version, x.Consumption.MinVersion,
                x.Consumption.Version - x.Consumption.MinVersion, x.Bound, x.Consumption.Undone))
            .ToList();

        var counts = new LedgerAuditCounts(
            count, groups.Count, nextSequence, consumptions.LongCount(c => !c.Undone), consumptions.LongCount(c => c.Undone),
            groups.Values.LongCount(g => g.Fate == Fate.Filtered), requeue.Count, groups.Values.LongCount(g => g.Fate == Fate.Active),
            steps, rollbacks, checkpoints);

        if (ledger is not null) CrossCheck(ledger, counts, requeue, groups, learnerStep, policyVersion, anomalies);

        return new LedgerAuditReport(counts, learnerStep, policyVersion, doubles, lost, staleness, anomalies, ledger?.Status,
            [.. consumptions.Select(c => c.ToRecord())], settingsChanges);

        Group? Known(long groupId, ILedgerEvent e)
        {
            if (groups.TryGetValue(groupId, out var g)) return g;
            anomalies.Add($"event #{index} {e}: group {groupId} was never issued");
            return null;
        }
    }

    /// <summary>The ledger's own accounting must agree with the audit's fold.</summary>
    private static void CrossCheck(
        RunLedger ledger, LedgerAuditCounts counts, SortedSet<long> requeue, Dictionary<long, Group> groups, long learnerStep,
        long policyVersion, List<string> anomalies)
    {
        void Same<T>(string what, T ledgerValue, T auditValue)
        {
            if (!EqualityComparer<T>.Default.Equals(ledgerValue, auditValue))
                anomalies.Add($"{what}: the ledger says {ledgerValue}, the events say {auditValue}");
        }

        Same("learner step", ledger.LearnerStep, learnerStep);
        Same("policy version", ledger.PolicyVersion, policyVersion);
        Same("groups issued", ledger.TotalIssued, counts.GroupsIssued);
        Same("slots drawn", ledger.Cursor.NextSequence, counts.SlotsDrawn);
        Same("groups consumed", ledger.Counts.Consumed, counts.Consumed);
        Same("groups filtered", ledger.Drops.Filtered, counts.Filtered);
        Same("re-queued slots", string.Join(",", ledger.Requeued.Select(s => s.Sequence)), string.Join(",", requeue));
        Same("active groups", string.Join(",", ledger.ActiveGroups.Select(g => g.GroupId)),
            string.Join(",", groups.Values.Where(g => g.Fate == Fate.Active).Select(g => g.Id).Order()));
    }
}
