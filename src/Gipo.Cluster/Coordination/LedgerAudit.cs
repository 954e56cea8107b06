namespace Gipo.Cluster.Coordination;

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
                            d.Note = $"group {d.Id} was dropped as filtered while " +
                                     $"{(d.Fate == Fate.Active ? "not scored" : d.Fate.ToString().ToLowerInvariant())}: the slot was not re-queued";
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
                        k.Group.Note = $"group {k.Group.Id}, consumed at step {k.Step}, " +
                                       $"was undone by the rollback to step {x.LearnerStep} but its slot was not re-queued";
                        anomalies.Add($"event #{index}: the rollback to step {x.LearnerStep} left group {k.Group.Id}, " +
                                      $"consumed at step {k.Step}, in place");
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
                    anomalies.Add($"slot {s} is in two places: {(queued ? "queued, " : "")}groups " +
                                  $"{string.Join(", ", owned.Select(g => $"{g.Id} ({g.Fate})"))}");
                continue;
            }
            if (queued) continue;
            lost.Add(lastHolder.TryGetValue(s, out var last)
                ? new LostSlot(s, last.Id, last.Note ?? $"group {last.Id} ended {last.Fate.ToString().ToLowerInvariant()} and the slot is " +
                                                        $"neither queued nor owned")
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
