using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>Live settings changes (<c>gipo set</c>) in the run ledger and its audit.</summary>
public sealed class LedgerSettingsChangeTests
{
    private static SettingChange Eta(int value) => new(LiveSettings.MaxStaleness, value.ToString());

    [Fact(DisplayName = "η lowered mid-run: from the change's step a group stale under the new bound is dropped, and stale samplers get no lease")]
    public void Lowered_eta_drops_groups_stale_under_the_new_bound()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 2));
        ScoreNew(d, 2);
        var old = d.Issue(); // behaviour version 0
        d.Step(); // v1: the first two groups
        var change = Accept(d, "lower", Eta(0));
        Assert.Equal(2, change.EffectiveStep);
        Assert.Equal(2, d.Ledger.SettingsAt(1).MaxStaleness);
        Assert.Equal(0, d.Ledger.SettingsAt(2).MaxStaleness);

        var refused = d.Ledger.RequestWork("sampler-old", 0, T0);
        Assert.Null(refused.Lease);
        Assert.Contains("η=0", refused.Refusal);

        d.Score(old.GroupId); // Δ = 1 at step 2: fine under η = 2, stale under η = 0
        var fresh = ScoreNew(d, 1); // admission under η = 0 has room for one more: Σ B up to step v + η + 1 = 2
        var waiting = d.Ledger.NextBatch(2, _ => true);
        Assert.Equal(BatchOutcome.NotEnough, waiting.Outcome);
        d.Do(waiting.Events);
        Assert.Contains(d.Log, e => e is GroupDropped { Reason: DropReason.Stale } x && x.GroupId == old.GroupId);
        fresh.AddRange(ScoreNew(d, 1));
        Assert.Equal(fresh.Select(g => g.GroupId), d.Step());
        Assert.True(LedgerAudit.Run(d.Ledger.Settings, d.Log).Clean);
    }

    [Fact(DisplayName = "The audit checks each consumption against the η in force at its step")]
    public void Audit_uses_the_bound_in_force()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1, maxStaleness: 1));
        ScoreNew(d, 1);
        var old = d.Issue(); // behaviour version 0
        d.Step(); // v1
        ScoreNew(d, 1);
        d.Step(); // v2
        var raised = Accept(d, "raise", Eta(2));
        Assert.Equal(3, raised.EffectiveStep);
        d.Score(old.GroupId); // Δ = 2 at step 3: allowed by η = 2, a violation of the start-up η = 1
        Assert.Equal([old.GroupId], d.Step());

        var report = LedgerAudit.Run(d.Ledger.Settings, d.Log);
        Assert.True(report.Clean, string.Join("\n", report.Problems()));
        Assert.Equal([raised], report.SettingsChanges);
        var withoutChange = LedgerAudit.Run(d.Ledger.Settings, d.Log.Where(e => e is not SettingsChanged));
        var v = Assert.Single(withoutChange.StalenessViolations);
        Assert.Equal((old.GroupId, 3L, 1), (v.GroupId, v.LearnerStep, v.MaxStaleness));

        // Lowered again to 0 from step 4: a group consumed there with Δ = 1 is a violation measured against 0.
        var late = d.Issue(samplerVersion: 2); // leased while η = 2
        Accept(d, "lower", Eta(0));
        d.Score(late.GroupId);
        d.Do([new GroupConsumed(late.GroupId, 4)]); // the guard would have dropped it (v3 − v2 = 1 > 0)
        var after = LedgerAudit.Run(d.Ledger.Settings, d.Log);
        var violation = Assert.Single(after.StalenessViolations);
        Assert.Equal((late.GroupId, 4L, 0), (violation.GroupId, violation.LearnerStep, violation.MaxStaleness));
    }

    [Fact(DisplayName = "A change accepted while a batch is out takes effect at the step after it; a repeated request id is not journaled twice")]
    public void Effective_step_is_the_next_boundary_and_requests_are_idempotent()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 1));
        ScoreNew(d, 2);
        var batch = d.Ledger.NextBatch(1, _ => true);
        d.Do(batch.Events); // step 1's batch is handed out, not completed
        var change = Accept(d, "r1", Eta(0));
        Assert.Equal(2, change.EffectiveStep);

        var again = d.Ledger.ChangeSettings("r1", [Eta(0)]);
        Assert.True(again.AlreadyJournaled);
        Assert.Equal(change, again.Change);
        Assert.Empty(again.Events);
        Assert.Throws<InvalidOperationException>(() => d.Ledger.Apply(change)); // a journal with it twice is corrupt
    }

    [Fact(DisplayName = "Refused changes journal nothing: a bad η, run.steps before the change, a validator's reason, a finished run")]
    public void Refusals_journal_nothing()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1, maxStaleness: 1, targetSteps: 2));
        ScoreNew(d, 1);
        d.Step();
        var bad = d.Ledger.ChangeSettings("bad", [Eta(-1)]);
        Assert.Null(bad.Change);
        Assert.Contains("η must be >= 0", bad.Refusal);
        var early = d.Ledger.ChangeSettings("early", [new SettingChange(LiveSettings.Steps, "1")]);
        Assert.Contains("before step 2", early.Refusal);
        var vetoed = d.Ledger.ChangeSettings("veto", [Eta(3)], (_, candidate) => $"no to step {candidate.EffectiveStep}");
        Assert.Equal("no to step 2", vetoed.Refusal);
        Assert.All([bad, early, vetoed], x => Assert.Empty(x.Events));

        ScoreNew(d, 1);
        d.Step(); // step 2 of 2: finished
        Assert.True(d.Ledger.Finished);
        Assert.Contains("nothing can change", d.Ledger.ChangeSettings("late", [Eta(0)]).Refusal);
        Assert.Empty(d.Ledger.SettingsChanges);
    }

    [Fact(DisplayName = "run.steps raised: the run goes on to the new target; B raised: the batch of its step takes the new B")]
    public void Steps_and_groups_per_step_change_from_their_step()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1, maxStaleness: 1, targetSteps: 2, maxConcurrent: 8));
        ScoreNew(d, 1);
        d.Step();
        var change = Accept(d, "more", new SettingChange(LiveSettings.Steps, "3"), new SettingChange(LiveSettings.GroupsPerStep, "2"));
        Assert.Equal(2, change.EffectiveStep);
        Assert.Equal(3, d.Ledger.Status.TargetSteps);
        var one = ScoreNew(d, 1);
        Assert.Equal(BatchOutcome.NotEnough, d.Ledger.NextBatch(2, _ => true).Outcome); // B = 2 from step 2
        var two = ScoreNew(d, 1);
        Assert.Equal([one[0].GroupId, two[0].GroupId], d.Step());
        Assert.False(d.Ledger.Finished);
        ScoreNew(d, 2);
        d.Step();
        Assert.True(d.Ledger.Finished);
        Assert.Equal(0, d.Ledger.Capacity);
        Assert.True(LedgerAudit.Run(d.Ledger.Settings, d.Log).Clean);
    }

    [Fact(DisplayName = "Changes survive a snapshot and a rollback with their effective steps (they are journaled facts)")]
    public void Changes_survive_snapshot_and_rollback()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1, maxStaleness: 2));
        ScoreNew(d, 1);
        d.Step();
        d.Accept(d.Ledger.CommitCheckpoint(1, 1, "/ck/1/manifest.json", "aa"));
        ScoreNew(d, 1);
        d.Step();
        var change = Accept(d, "after-checkpoint", Eta(0)); // effective at step 3, journaled after the checkpoint of step 1
        var copy = RunLedger.FromSnapshot(d.Ledger.Settings, d.Ledger.ToSnapshot());
        Assert.Equal([change], copy.SettingsChanges);

        d.Accept(d.Ledger.RollbackTo(1));
        Assert.Equal(1, d.Ledger.LearnerStep);
        Assert.Equal([change], d.Ledger.SettingsChanges);
        Assert.Equal(2, d.Ledger.SettingsAt(2).MaxStaleness); // the repeated step 2 runs as it did
        Assert.Equal(0, d.Ledger.SettingsAt(3).MaxStaleness);
        var replayed = RunLedger.Replay(d.Ledger.Settings, d.Log);
        Assert.Equal(Json(d.Ledger.ToSnapshot()), Json(replayed.ToSnapshot()));
    }

    private static SettingsChanged Accept(LedgerDriver d, string requestId, params SettingChange[] changes)
    {
        var decision = d.Ledger.ChangeSettings(requestId, changes);
        Assert.True(decision.Change is not null, decision.Refusal);
        Assert.False(decision.AlreadyJournaled);
        d.Do(decision.Events);
        return decision.Change!;
    }

    private static List<GroupIssued> ScoreNew(LedgerDriver d, int n)
    {
        var issued = Enumerable.Range(0, n).Select(_ => d.Issue()).ToList();
        foreach (var g in issued) Assert.Equal(ResultOutcome.Accepted, d.Score(g.GroupId).Outcome);
        return issued;
    }
}
