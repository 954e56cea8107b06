using Gipo.Cluster.Coordination;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary><see cref="LedgerAudit"/> over event logs the ledger wrote, and over logs with one fault injected.</summary>
public sealed class LedgerAuditTests
{
    [Fact(DisplayName = "A normal run (expired leases, a filtered group, a checkpoint, a rollback and redo, " +
                        "a stale drop) audits clean and agrees with the ledger")]
    public void Normal_run_is_clean()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 1, dynamicSampling: true));
        var l = d.Ledger;
        var a = d.Issue();
        var b = d.Issue();
        d.Issue();
        d.Issue();
        d.Score(a.GroupId);
        d.Score(b.GroupId);
        d.Step(); // step 1
        Assert.Equal(2, d.Do(l.ExpireLeases(T0.AddSeconds(31))).Count);
        var c2 = d.Issue(now: T0.AddSeconds(31));
        var e2 = d.Issue(now: T0.AddSeconds(31));
        d.Score(c2.GroupId);
        Assert.Equal(ResultOutcome.Filtered, d.Score(e2.GroupId, informative: false).Outcome);
        var f = d.Issue();
        d.Score(f.GroupId);
        d.Step(); // step 2
        d.Accept(l.CommitCheckpoint(2, 2, "ck/2", "aa"));
        ScoreNew(d, 2);
        d.Step(); // step 3, undone below
        d.Accept(l.RollbackTo(2));
        ScoreNew(d, 2);
        d.Step(); // step 3 again, same slots
        var stale = d.Issue();
        ScoreNew(d, 2);
        d.Step(); // step 4
        ScoreNew(d, 2);
        d.Step(); // step 5
        d.Score(stale.GroupId); // behaviour version 3 at learner v5: Δ = 2 > η = 1, dropped at the next batch
        ScoreNew(d, 2);
        d.Step(); // step 6
        Assert.Equal(1, l.Drops.Stale);
        d.Issue(); // in flight at the end: the stale group's slot again

        var report = LedgerAudit.Run(l.Settings, d.Log);
        Assert.True(report.Clean, string.Join("\n", report.Problems()));
        Assert.Equal(l.Status, report.Ledger);
        Assert.Equal((6L, 6L), (report.FinalLearnerStep, report.FinalPolicyVersion));
        var counts = report.Counts;
        Assert.Equal(d.Log.Count, counts.Events);
        Assert.Equal((12L, 2L, 1L, 0L, 1L), (counts.Consumed, counts.ConsumptionsUndone, counts.Filtered, counts.Requeued, counts.Active));
        Assert.Equal((7L, 1L, 1L), (counts.StepsCompleted, counts.Rollbacks, counts.Checkpoints));
        Assert.Equal(l.TotalIssued, counts.GroupsIssued);
        Assert.Equal(l.Cursor.NextSequence, counts.SlotsDrawn);
        Assert.All(report.Consumptions, c => Assert.InRange(c.PolicyVersion - c.MinVersion, 0, 1));
        // gipo status's words: 12 trained, not 12 − 2 (the undone ones are already out of Consumed).
        Assert.StartsWith("12 groups trained once each (2 consumption(s) undone", report.CleanSummary());
    }

    [Fact(DisplayName = "An injected duplicate GroupConsumed of a group at a later step is reported as consumed twice")]
    public void Duplicate_consumption_across_steps_is_reported()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2));
        var first = ScoreNew(d, 2);
        d.Step();
        ScoreNew(d, 2);
        d.Step();
        var log = d.Log.ToList();
        var completed2 = log.FindIndex(e => e is LearnerStepCompleted { LearnerStep: 2 });
        log.Insert(completed2, new GroupConsumed(first[0].GroupId, 2));

        var report = LedgerAudit.Run(d.Ledger.Settings, log);
        Assert.False(report.Clean);
        var twice = Assert.Single(report.ConsumedTwice);
        Assert.Equal(first[0].Sequence, twice.Sequence);
        Assert.Equal([(first[0].GroupId, 1L), (first[0].GroupId, 2L)], twice.Consumptions.Select(c => (c.GroupId, c.LearnerStep)));
        Assert.Null(report.Ledger); // the ledger refused the event...
        Assert.Contains(report.Anomalies, a => a.Contains("does not fit the ledger", StringComparison.Ordinal)); // ...and the audit says so
        Assert.Empty(report.Lost);
    }

    [Fact(DisplayName = "A slot consumed, rolled back and consumed again (resume, or a re-assembled batch) is not a double consumption")]
    public void Rollback_then_reconsume_is_not_a_double()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 2, maxConcurrent: 10, promptCount: 20));
        var l = d.Ledger;
        ScoreNew(d, 2);
        d.Step();
        d.Accept(l.CommitCheckpoint(1, 1, "ck/1", "aa"));
        var undone = ScoreNew(d, 2);
        d.Step(); // step 2, lost by the resume
        d.Accept(l.RollbackTo(1));
        var redone = ScoreNew(d, 2);
        Assert.Equal(undone.Select(g => g.Sequence), redone.Select(g => g.Sequence));
        d.Step(); // step 2 again, same slots, new groups

        // The coordinator restarts after handing out step 3's batch: the batch is re-assembled at the same step.
        var pool = ScoreNew(d, 4);
        var batch = l.NextBatch(3, _ => true);
        d.Do(batch.Events);
        var lostPayload = batch.GroupIds[0];
        var again = l.NextBatch(3, id => id != lostPayload);
        Assert.Equal(BatchOutcome.Ready, again.Outcome);
        d.Do(again.Events);
        d.Accept(l.CompleteStep(3, 3));

        var report = LedgerAudit.Run(l.Settings, d.Log);
        Assert.True(report.Clean, string.Join("\n", report.Problems()));
        Assert.Equal(l.Status, report.Ledger);
        Assert.Equal(6, report.Counts.Consumed);
        Assert.Equal(4, report.Counts.ConsumptionsUndone);
        foreach (var g in undone)
        {
            var bySlot = report.Consumptions.Where(c => c.Sequence == g.Sequence).ToList();
            Assert.Equal([(g.GroupId, true), (redone.Single(r => r.Sequence == g.Sequence).GroupId, false)],
                         bySlot.Select(c => (c.GroupId, c.Undone)));
        }
        Assert.Equal(pool.Select(g => g.GroupId).Except(again.GroupIds).Order(),
                     report.Consumptions.Where(c => c.LearnerStep == 3 && c.Undone).Select(c => c.GroupId).Order());
    }

    [Fact(DisplayName = "A slot dropped without being re-queued is lost")]
    public void Dropped_without_requeue_is_lost()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2));
        var a = d.Issue();
        d.Issue();
        // A lease-expiry drop journaled as "filtered" (which never re-queues) for a group that was never scored.
        var log = d.Log.Append(new GroupDropped(a.GroupId, DropReason.Filtered)).ToList();

        var report = LedgerAudit.Run(d.Ledger.Settings, log);
        var lost = Assert.Single(report.Lost);
        Assert.Equal((a.Sequence, (long?)a.GroupId), (lost.Sequence, lost.LastGroupId));
        Assert.Contains("not re-queued", lost.Why);
        Assert.Empty(report.ConsumedTwice);
        Assert.False(report.Clean);
    }

    [Fact(DisplayName = "A rollback that leaves a group consumed after the checkpoint in place loses its slot and disagrees with the ledger's count")]
    public void Rollback_that_forgets_a_consumed_group_loses_its_slot()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2));
        var l = d.Ledger;
        ScoreNew(d, 2);
        d.Step();
        d.Accept(l.CommitCheckpoint(1, 1, "ck/1", "aa"));
        var later = ScoreNew(d, 2);
        d.Step();
        var rollback = l.RollbackTo(1);
        var forgotten = later[1].GroupId;
        var log = d.Log.Concat(rollback.Events.Where(e => e is not GroupDropped x || x.GroupId != forgotten)).ToList();

        var report = LedgerAudit.Run(l.Settings, log);
        var lost = Assert.Single(report.Lost);
        Assert.Equal(later[1].Sequence, lost.Sequence);
        Assert.Contains("rollback", lost.Why);
        Assert.Contains(report.Anomalies, a => a.Contains("groups consumed: the ledger says 3, the events say 2", StringComparison.Ordinal));
        Assert.Empty(report.ConsumedTwice);
    }

    [Fact(DisplayName = "A group consumed more than η versions after its oldest behaviour version is a staleness violation")]
    public void Staleness_violation_is_reported()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 1));
        var first = ScoreNew(d, 2);
        var old = d.Issue(); // behaviour version 0
        d.Step(); // v1
        ScoreNew(d, 2);
        d.Step(); // v2
        d.Score(old.GroupId);
        var fresh = ScoreNew(d, 1);
        d.Do([new GroupConsumed(old.GroupId, 3), new GroupConsumed(fresh[0].GroupId, 3)]); // the guard would have dropped it

        var report = LedgerAudit.Run(d.Ledger.Settings, d.Log);
        var v = Assert.Single(report.StalenessViolations);
        Assert.Equal(new StalenessViolation(old.GroupId, 3, 2, 0, 2, 1, false), v);
        Assert.Empty(report.Anomalies); // the ledger applies it: only the audit sees the broken guard
        Assert.Empty(report.Lost);
        Assert.Empty(report.ConsumedTwice);
        Assert.Contains(first[0].GroupId, report.Consumptions.Select(c => c.GroupId));
    }

    /// <summary>Issues and scores <paramref name="n"/> groups at the learner's version.</summary>
    private static List<GroupIssued> ScoreNew(LedgerDriver d, int n)
    {
        var issued = Enumerable.Range(0, n).Select(_ => d.Issue()).ToList();
        foreach (var g in issued) Assert.Equal(ResultOutcome.Accepted, d.Score(g.GroupId).Outcome);
        return issued;
    }
}
