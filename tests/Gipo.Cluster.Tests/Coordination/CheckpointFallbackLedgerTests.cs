using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>
/// Issue 11, item 10: a resume rolls back past a missing or damaged newest checkpoint to an older committed one. The
/// ledger keeps the last <see cref="RunLedger.FallbackCheckpoints"/> checkpoints and the groups consumed since the oldest
/// of them, so the rollback returns every later group to the pool and the audit stays clean.
/// </summary>
public sealed class CheckpointFallbackLedgerTests
{
    /// <summary>Steps 1..<paramref name="steps"/>, each of one group, with a checkpoint every second step.</summary>
    private static LedgerDriver Run(int steps)
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1, maxStaleness: 0));
        for (var s = 1; s <= steps; s++)
        {
            d.Score(d.Issue().GroupId);
            d.Step();
            if (s % 2 == 0) d.Accept(d.Ledger.CommitCheckpoint(s, s, $"checkpoints/step-{s:D6}/manifest.json", $"sha{s}"));
        }
        return d;
    }

    [Fact(DisplayName = "A rollback to an older committed checkpoint returns every later group to the pool, " +
                        "abandons the newer checkpoints, and audits clean")]
    public void Rollback_to_an_older_checkpoint()
    {
        var d = Run(6);
        var l = d.Ledger;
        Assert.Equal([2L, 4, 6], l.Checkpoints.Select(c => c.LearnerStep));
        Assert.Equal(l.Checkpoints, l.Status.Checkpoints);
        // In flight at the time of the resume: returned too.
        d.Score(d.Issue().GroupId);

        var rollback = l.RollbackTo(2);
        Assert.True(rollback.Accepted, rollback.Rejection);
        // The groups of steps 3..6 and the scored one: five slots back in the queue.
        Assert.Equal(5, rollback.Events.OfType<GroupDropped>().Count(g => g.Reason == DropReason.ResumedRollback));
        d.Accept(rollback);
        Assert.Equal((2L, 2L, 2L), (l.LearnerStep, l.PolicyVersion, l.Counts.Consumed));
        Assert.Equal(2, l.LastCheckpoint!.LearnerStep);
        Assert.Equal([2L], l.Checkpoints.Select(c => c.LearnerStep));
        Assert.Equal(5, l.Requeued.Count);

        // The run goes on from step 2: the re-done steps take the returned slots, and a checkpoint of step 4 commits again.
        for (var s = 3; s <= 6; s++)
        {
            d.Score(d.Issue().GroupId);
            d.Step();
            if (s == 4) d.Accept(l.CommitCheckpoint(4, 4, "checkpoints/step-000004-2/manifest.json", "sha4b"));
        }
        Assert.Equal([2L, 4], l.Checkpoints.Select(c => c.LearnerStep));
        var audit = LedgerAudit.Run(l.Settings, d.Log);
        Assert.True(audit.Clean,
            string.Join("\n", audit.Anomalies.Concat(audit.Lost.Select(x => x.ToString())).Concat(audit.ConsumedTwice.Select(x => x.ToString()))));
        Assert.Equal(6, audit.Counts.Consumed);

        // A replay of the journal, and a snapshot round trip, agree.
        var replayed = RunLedger.Replay(l.Settings, d.Log);
        Assert.Equal(Json(l.ToSnapshot()), Json(replayed.ToSnapshot()));
        Assert.Equal(Json(l.ToSnapshot()), Json(RunLedger.FromSnapshot(l.Settings, l.ToSnapshot()).ToSnapshot()));
    }

    [Fact(DisplayName = "Only the last three checkpoints can be rolled back to; older ones are final, and a step that is no checkpoint is refused")]
    public void Window_of_fallback_checkpoints()
    {
        var d = Run(8);
        var l = d.Ledger;
        Assert.Equal([4L, 6, 8], l.Checkpoints.Select(c => c.LearnerStep));
        // Consumption at or before the oldest fallback checkpoint is final: only counters remain.
        Assert.Equal(4, l.RecentlyConsumed.Count);
        Assert.Contains("not 2", l.RollbackTo(2).Rejection);
        Assert.Contains("steps 4, 6, 8", l.RollbackTo(5).Rejection);
        Assert.Contains("not 0", l.RollbackTo(0).Rejection);
        d.Accept(l.RollbackTo(4));
        Assert.True(LedgerAudit.Run(l.Settings, d.Log).Clean);
    }

    [Fact(DisplayName = "A snapshot without the checkpoint list (sld2) falls back to its last checkpoint alone")]
    public void Old_snapshot_knows_only_the_last_checkpoint()
    {
        var d = Run(6);
        var old = d.Ledger.ToSnapshot() with { Checkpoints = null };
        var l = RunLedger.FromSnapshot(d.Ledger.Settings, old);
        Assert.Equal([6L], l.Checkpoints.Select(c => c.LearnerStep));
        Assert.False(l.RollbackTo(4).Accepted);
        Assert.True(l.RollbackTo(6).Accepted);
    }

    [Fact(DisplayName = "The journal rejects a rollback event to a step that is not a committed checkpoint")]
    public void Rollback_event_to_an_unknown_checkpoint_does_not_fit()
    {
        var d = Run(4);
        Assert.Throws<InvalidOperationException>(() => d.Ledger.Apply(new RolledBackToCheckpoint(3, 3)));
    }

    private static CheckpointCommitted Ck(long step) => new(step, step, $"checkpoints/step-{step:D6}/manifest.json", $"sha{step}");

    [Fact(DisplayName = "Fallback choice: the newest checkpoint without a problem, the newer ones passed over with their reasons")]
    public void Select_takes_the_newest_valid_checkpoint()
    {
        var candidates = new[] { Ck(2), Ck(4), Ck(6) };
        var (chosen, passed) = CheckpointFallback.Select(candidates, c => c.LearnerStep == 6 ? "model.safetensors sha256 mismatch" : null);
        Assert.Equal(4, chosen!.LearnerStep);
        Assert.Equal("model.safetensors sha256 mismatch", Assert.Single(passed).Reason);

        (chosen, passed) = CheckpointFallback.Select(candidates, _ => null);
        Assert.Equal(6, chosen!.LearnerStep);
        Assert.Empty(passed);

        (chosen, passed) = CheckpointFallback.Select(candidates, c => $"bad {c.LearnerStep}");
        Assert.Null(chosen);
        Assert.Equal(["bad 6", "bad 4", "bad 2"], passed.Select(p => p.Reason));
    }

    [Fact(DisplayName = "--from-checkpoint names a checkpoint of the run by step or path; anything else is refused naming what the run has")]
    public void Resolve_by_step_or_path()
    {
        var root = Path.Combine(Path.GetTempPath(), "gipo-resolve-run");
        var candidates = new[] { Ck(2), Ck(4) };
        Assert.Equal(2, CheckpointFallback.Resolve("2", candidates, root).LearnerStep);
        Assert.Equal(4, CheckpointFallback.Resolve(Path.Combine(root, "checkpoints", "step-000004"), candidates, root).LearnerStep);
        Assert.Equal(4, CheckpointFallback.Resolve(Path.Combine(root, "checkpoints", "step-000004", "manifest.json"), candidates, root).LearnerStep);
        Assert.Equal(2, CheckpointFallback.Resolve("checkpoints/step-000002", candidates, root).LearnerStep);

        var e = Assert.Throws<ArgumentException>(() => CheckpointFallback.Resolve("3", candidates, root));
        Assert.Contains("no checkpoint of step 3", e.Message);
        Assert.Contains("step 2 (", e.Message);
        e = Assert.Throws<ArgumentException>(() => CheckpointFallback.Resolve("/elsewhere/step-000004", candidates, root));
        Assert.Contains("not a checkpoint of this run", e.Message);
        Assert.Throws<ArgumentException>(() => new CheckpointChoice(" "));
    }
}
