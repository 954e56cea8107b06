using Gipo.Cluster.Coordination;
using Gipo.Core.Algorithm.Admission;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

public sealed class RunLedgerTests
{
    [Fact(DisplayName = "A group goes Issued → Generated → Scored → Consumed(step), and the counts follow")]
    public void Lifecycle()
    {
        var d = new LedgerDriver(Settings());
        var l = d.Ledger;
        var a = d.Issue();
        Assert.Equal(1, a.GroupId);
        Assert.Equal(PromptOrder.Slot(0, 5, 42), new PromptSlot(a.Sequence, a.PromptIndex, a.Seed));
        Assert.Equal(T0.AddSeconds(30), a.DeadlineUtc);
        Assert.Equal(new GroupCounts(1, 0, 0, 0, 0), l.Counts);

        var generated = d.Do(l.GenerationDone(1, "scorer", T0.AddSeconds(1)));
        Assert.Equal([new GroupGenerated(1, "scorer", T0.AddSeconds(31))], generated);
        Assert.Empty(l.GenerationDone(1, "scorer", T0.AddSeconds(2))); // only an issued group can become generated
        Assert.Equal(new GroupCounts(0, 1, 0, 0, 0), l.Counts);
        Assert.Equal(["scorer"], l.LeaseHolders);

        Assert.Equal(ResultOutcome.Accepted, d.Score(1).Outcome);
        var b = d.Issue();
        Assert.Equal(ResultOutcome.Accepted, d.Score(b.GroupId).Outcome); // straight from Issued (inline scoring)
        Assert.Equal(new GroupCounts(0, 0, 2, 0, 0), l.Counts);

        var batch = l.NextBatch(1, _ => true);
        Assert.Equal(BatchOutcome.Ready, batch.Outcome);
        Assert.Equal([1L, 2L], batch.GroupIds);
        Assert.Equal([new GroupConsumed(1, 1), new GroupConsumed(2, 1)], d.Do(batch.Events));
        Assert.Equal(new GroupCounts(0, 0, 0, 2, 0), l.Counts);
        Assert.Equal(GroupState.Consumed, l.Group(1)!.State);

        d.Accept(l.CompleteStep(1, 1));
        Assert.Equal((1L, 1L), (l.LearnerStep, l.PolicyVersion));
        Assert.Empty(l.CompleteStep(1, 1).Events); // a repeat is a no-op
        Assert.Equal(8, l.SamplesConsumed);
        Assert.Equal(2, l.TotalIssued);
    }

    [Fact(DisplayName = "Fresh work follows the seeded prompt order, and the cursor counts epochs")]
    public void Prompt_order_and_cursor()
    {
        var d = new LedgerDriver(Settings(maxStaleness: 10, maxConcurrent: 20));
        var leases = Enumerable.Range(0, 12).Select(_ => d.Issue()).ToList();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), leases.Select(x => x.Sequence));
        Assert.Equal(leases.Select(x => PromptOrder.Slot(x.Sequence, 5, 42)), leases.Select(x => new PromptSlot(x.Sequence, x.PromptIndex, x.Seed)));
        // Each epoch of five draws visits every prompt once.
        Assert.Equal([0L, 1, 2, 3, 4], leases.Take(5).Select(x => x.PromptIndex).Order());
        Assert.Equal([0L, 1, 2, 3, 4], leases.Skip(5).Take(5).Select(x => x.PromptIndex).Order());
        Assert.Equal(new PromptCursor(2, 2, 12), d.Ledger.Cursor);
        Assert.Equal(12, leases.Select(x => x.Seed).Distinct().Count());
    }

    [Fact(DisplayName = "Admission control grants exactly the §A.8 capacity (η + v + 1)·B − N_accepted − N_running, capped by max_concurrent")]
    public void Admission_capacity()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 1, maxConcurrent: 3));
        var l = d.Ledger;
        void Check(long expected)
        {
            Assert.Equal(expected, l.Capacity);
            Assert.Equal(AdmissionControl.Capacity(l.Accepted, l.Running, l.PolicyVersion, 1, 2, 3), l.Capacity);
        }

        Check(3); // min(3 − 0, (1 + 0 + 1)·2 − 0)
        var g = new[] { d.Issue(), d.Issue(), d.Issue() };
        Check(0);
        var refused = l.RequestWork("sampler-b", 0, T0);
        Assert.Null(refused.Lease);
        Assert.Contains("admission control", refused.Refusal);

        d.Score(g[0].GroupId);
        d.Score(g[1].GroupId);
        Check(1); // staleness room 4 − (2 + 1) = 1, concurrency room 2
        d.Issue();
        Check(0); // 4 − (2 + 2)

        d.Step(); // consumes 2 → v = 1
        Check(1); // staleness room (1 + 1 + 1)·2 − (2 + 2) = 2, concurrency room 3 − 2 = 1
    }

    [Fact(DisplayName = "A sampler gets work only with weights within η of the learner and not ahead of it")]
    public void Readiness_gate_on_sampler_weights()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1, maxStaleness: 1, maxConcurrent: 8));
        var l = d.Ledger;
        d.Score(d.Issue().GroupId);
        d.Step();
        d.Score(d.Issue().GroupId);
        d.Step(); // v = 2
        Assert.Contains("staler than η=1", l.RequestWork("s", 0, T0).Refusal);
        Assert.Contains("ahead of the learner", l.RequestWork("s", 3, T0).Refusal);
        Assert.NotNull(l.RequestWork("s", 1, T0).Lease);
        Assert.NotNull(l.RequestWork("s", 2, T0).Lease);
    }

    [Fact(DisplayName = "Target steps cap admission and finish the run")]
    public void Target_steps()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 5, targetSteps: 1));
        var l = d.Ledger;
        Assert.Equal(2, l.Capacity);
        d.Score(d.Issue().GroupId);
        d.Score(d.Issue().GroupId);
        Assert.Contains("admission control", l.RequestWork("s", 0, T0).Refusal);
        d.Step();
        Assert.True(l.Finished);
        Assert.Equal(0, l.Capacity);
        Assert.Contains("run finished", l.RequestWork("s", 1, T0).Refusal);
        Assert.Equal(BatchOutcome.Rejected, l.NextBatch(2, _ => true).Outcome);
    }

    [Fact(DisplayName = "Results are idempotent by group id: duplicates, unknown ids and late results of re-issued leases never count")]
    public void Idempotent_results()
    {
        var d = new LedgerDriver(Settings(leaseSeconds: 10));
        var l = d.Ledger;
        var slow = d.Issue("slow-sampler");
        Assert.Equal(ResultOutcome.Ignored, l.RecordResult(99, Outcome(0)).Outcome);
        Assert.Contains("never issued", l.RecordResult(99, Outcome(0)).Reason);

        // The slow holder's lease expires; the same prompt and seed go to another sampler.
        d.Do(l.ExpireLeases(T0.AddSeconds(10)));
        var again = d.Issue("fast-sampler", now: T0.AddSeconds(11));
        Assert.Equal((slow.Sequence, slow.PromptIndex, slow.Seed), (again.Sequence, again.PromptIndex, again.Seed));
        Assert.NotEqual(slow.GroupId, again.GroupId);

        // The slow holder was not dead: its result arrives, and is ignored.
        var late = l.RecordResult(slow.GroupId, Outcome(0));
        Assert.Equal(ResultOutcome.Ignored, late.Outcome);
        Assert.Empty(late.Events);
        Assert.Contains("no longer active", late.Reason);

        Assert.Equal(ResultOutcome.Accepted, d.Score(again.GroupId).Outcome);
        var duplicate = l.RecordResult(again.GroupId, Outcome(0));
        Assert.Equal(ResultOutcome.Ignored, duplicate.Outcome);
        Assert.Empty(duplicate.Events);
        Assert.Equal(new GroupCounts(0, 0, 1, 0, 1), l.Counts);

        d.Score(d.Issue().GroupId);
        d.Step();
        var afterConsumption = l.RecordResult(again.GroupId, Outcome(0));
        Assert.Equal(ResultOutcome.Ignored, afterConsumption.Outcome);
        Assert.Contains("already consumed", afterConsumption.Reason);
        Assert.Equal(2, l.Counts.Consumed);
    }

    [Fact(DisplayName = "Malformed results are rejected: wrong group size, a behaviour version newer than the learner")]
    public void Malformed_results()
    {
        var d = new LedgerDriver(Settings(groupSize: 4));
        var l = d.Ledger;
        var g = d.Issue();
        var wrongSize = l.RecordResult(g.GroupId, Outcome(0, samples: 3));
        Assert.Equal(ResultOutcome.Rejected, wrongSize.Outcome);
        Assert.Empty(wrongSize.Events);
        Assert.Equal(ResultOutcome.Rejected, l.RecordResult(g.GroupId, Outcome(1)).Outcome);
        Assert.Equal(ResultOutcome.Rejected, l.RecordResult(g.GroupId, new GroupOutcome(0, true, 4, double.NaN)).Outcome);
        Assert.Equal(GroupState.Issued, l.Group(g.GroupId)!.State);
    }

    [Fact(DisplayName = "Expired leases are re-issued with the same prompt and seed; a generated group's deadline was extended")]
    public void Lease_expiry()
    {
        var d = new LedgerDriver(Settings(leaseSeconds: 30));
        var l = d.Ledger;
        var first = d.Issue(now: T0);
        var second = d.Issue(now: T0.AddSeconds(1));
        Assert.Empty(l.ExpireLeases(T0.AddSeconds(29)));
        d.Do(l.GenerationDone(first.GroupId, "scorer", T0.AddSeconds(20))); // deadline now T0 + 50 s

        var expired = d.Do(l.ExpireLeases(T0.AddSeconds(40)));
        Assert.Equal([new GroupDropped(second.GroupId, DropReason.LeaseExpiredReissued)], expired);
        Assert.Equal(1, l.Drops.LeaseExpiredReissued);
        Assert.Equal([new PromptSlot(second.Sequence, second.PromptIndex, second.Seed)], l.Requeued);

        var reissued = d.Issue("other", now: T0.AddSeconds(41));
        Assert.Equal((second.Sequence, second.PromptIndex, second.Seed), (reissued.Sequence, reissued.PromptIndex, reissued.Seed));
        Assert.Empty(l.Requeued);
        Assert.Equal(2, d.Issue().Sequence); // then the cursor continues

        var scoredLater = d.Do(l.ExpireLeases(T0.AddSeconds(60)));
        Assert.Contains(new GroupDropped(first.GroupId, DropReason.LeaseExpiredReissued), scoredLater);
    }

    [Fact(DisplayName = "A holder's death re-issues all its leases at once, in their original order, and nobody else's")]
    public void Holder_death()
    {
        var d = new LedgerDriver(Settings(maxStaleness: 5, maxConcurrent: 10));
        var l = d.Ledger;
        var ofA = new[] { d.Issue("a"), d.Issue("a"), d.Issue("a") };
        var ofB = d.Issue("b");
        var scoredOfA = d.Issue("a");
        d.Score(scoredOfA.GroupId); // a scored group is no longer a lease

        var died = d.Do(l.HolderDied("a"));
        Assert.Equal(ofA.Select(g => new GroupDropped(g.GroupId, DropReason.SamplerDiedReissued)), died.Cast<GroupDropped>());
        Assert.Equal(3, l.Drops.SamplerDiedReissued);
        Assert.Equal(GroupState.Issued, l.Group(ofB.GroupId)!.State);
        Assert.Equal(GroupState.Scored, l.Group(scoredOfA.GroupId)!.State);
        Assert.Equal(["b"], l.LeaseHolders);

        var reissued = Enumerable.Range(0, 3).Select(_ => d.Issue("c")).ToList();
        Assert.Equal(ofA.Select(g => (g.Sequence, g.PromptIndex, g.Seed)), reissued.Select(g => (g.Sequence, g.PromptIndex, g.Seed)));
        Assert.Equal(5, d.Issue("c").Sequence); // fresh draw after the re-queued ones
        Assert.Empty(l.HolderDied("a"));
    }

    [Fact(DisplayName = "Consumption guard: a group with Δ > η is dropped whole and its prompt re-queued at the head")]
    public void Stale_group_is_dropped_and_requeued_at_the_head()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1, maxStaleness: 1, promptCount: 100));
        var l = d.Ledger;
        var g1 = d.Issue(samplerVersion: 0);
        var g2 = d.Issue(samplerVersion: 0);
        d.Score(g1.GroupId);
        d.Score(g2.GroupId);
        Assert.Equal([g1.GroupId], d.Step()); // first in, first out; v = 1
        var g3 = d.Issue(samplerVersion: 0); // v0 weights are still within η = 1 of v1
        d.Score(g3.GroupId);
        Assert.Equal([g2.GroupId], d.Step()); // Δ = 1 ≤ η; v = 2

        var batch = l.NextBatch(3, _ => true); // g3 now has Δ = 2 > η
        Assert.Equal(BatchOutcome.NotEnough, batch.Outcome);
        Assert.Equal([new GroupDropped(g3.GroupId, DropReason.Stale)], d.Do(batch.Events));
        Assert.Equal(1, l.Drops.Stale);
        Assert.Equal(0, l.Counts.Scored);

        var retried = d.Issue(samplerVersion: 2);
        Assert.Equal((g3.Sequence, g3.PromptIndex, g3.Seed), (retried.Sequence, retried.PromptIndex, retried.Seed));
        Assert.Equal(3, d.Issue(samplerVersion: 2).Sequence);
    }

    [Fact(DisplayName = "Dynamic sampling drops non-informative groups as filtered, frees their admission slot and does not retry them")]
    public void Dynamic_sampling_filter()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1, maxStaleness: 0, dynamicSampling: true));
        var l = d.Ledger;
        var g = d.Issue();
        Assert.Equal(0, l.Capacity);
        var filtered = d.Score(g.GroupId, informative: false);
        Assert.Equal(ResultOutcome.Filtered, filtered.Outcome);
        Assert.Equal([new GroupScored(g.GroupId, 0, false, 4, 0.0), new GroupDropped(g.GroupId, DropReason.Filtered)], filtered.Events);
        Assert.Equal(1, l.Drops.Filtered);
        Assert.Empty(l.Requeued);
        Assert.Equal(1, l.Capacity);
        Assert.Equal(4, l.SamplesConsumed); // filtered samples count as consumed (§A.7)

        var without = new LedgerDriver(Settings(dynamicSampling: false));
        Assert.Equal(ResultOutcome.Accepted, without.Score(without.Issue().GroupId, informative: false).Outcome);
    }

    [Fact(DisplayName = "max-gen-rounds: once max-gen-rounds·B groups were examined for a step, it trains on the groups accepted so far")]
    public void Max_gen_rounds_releases_a_short_batch()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 2, maxConcurrent: 8, dynamicSampling: true, maxGenRounds: 2));
        var l = d.Ledger;
        var g = Enumerable.Range(0, 6).Select(_ => d.Issue()).ToList();
        d.Score(g[0].GroupId, informative: false);
        d.Score(g[1].GroupId);
        d.Score(g[2].GroupId, informative: false);

        // 3 examined (2 filtered, 1 accepted) < 2·2: wait.
        var waiting = l.NextBatch(1, _ => true);
        Assert.Equal(BatchOutcome.NotEnough, waiting.Outcome);
        Assert.False(waiting.CapReached);
        Assert.Equal(3, waiting.Examined);

        // The 4th examined group reaches the cap: train on the one accepted group, and say how many were examined.
        d.Score(g[3].GroupId, informative: false);
        var capped = l.NextBatch(1, _ => true);
        Assert.Equal(BatchOutcome.Ready, capped.Outcome);
        Assert.True(capped.CapReached);
        Assert.Equal(4, capped.Examined);
        Assert.Equal([g[1].GroupId], capped.GroupIds);
        Assert.Contains("examined 4", capped.Reason);
        Assert.Contains("accepted 1 of 2", capped.Reason);
        d.Do(capped.Events);
        Assert.Equal([g[1].GroupId], l.NextBatch(1, _ => true).GroupIds); // asking again: the same short batch
        d.Accept(l.CompleteStep(1, 1));

        // Step 2 counts afresh: the step-1 filtering is not charged to it, so two informative groups make a full batch.
        d.Score(g[4].GroupId);
        d.Score(g[5].GroupId);
        var full = l.NextBatch(2, _ => true);
        Assert.Equal(BatchOutcome.Ready, full.Outcome);
        Assert.False(full.CapReached);
        Assert.Equal(2, full.GroupIds.Count);
        d.Do(full.Events);

        // The journal replays to the same ledger and audits clean.
        Assert.Equal(Json(l.ToSnapshot()), Json(RunLedger.Replay(l.Settings, d.Log).ToSnapshot()));
        var audit = LedgerAudit.Run(l.Settings, d.Log);
        Assert.True(audit.Clean, string.Join("\n", audit.Problems()));
        Assert.Equal(3, audit.Counts.Consumed);
    }

    [Fact(DisplayName = "max-gen-rounds with nothing accepted: the step keeps waiting, and the decision says the cap is reached")]
    public void Max_gen_rounds_with_nothing_accepted_keeps_waiting()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 2, maxConcurrent: 8, dynamicSampling: true, maxGenRounds: 2));
        var l = d.Ledger;
        for (var i = 0; i < 5; i++) d.Score(d.Issue().GroupId, informative: false);

        var none = l.NextBatch(1, _ => true);
        Assert.Equal(BatchOutcome.NotEnough, none.Outcome);
        Assert.True(none.CapReached);
        Assert.Equal(5, none.Examined);
        Assert.Contains("none accepted", none.Reason);

        var informative = d.Issue();
        d.Score(informative.GroupId);
        var one = l.NextBatch(1, _ => true);
        Assert.Equal(BatchOutcome.Ready, one.Outcome);
        Assert.Equal([informative.GroupId], one.GroupIds);

        // Without the cap (max-gen-rounds 0) a short batch always waits.
        var uncapped = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 2, dynamicSampling: true));
        for (var i = 0; i < 6; i++) uncapped.Score(uncapped.Issue().GroupId, informative: i == 0);
        var wait = uncapped.Ledger.NextBatch(1, _ => true);
        Assert.Equal(BatchOutcome.NotEnough, wait.Outcome);
        Assert.False(wait.CapReached);
    }

    [Fact(DisplayName = "max-gen-rounds: where the cap falls in the scoring order decides the batch, not when the learner asks")]
    public void Max_gen_rounds_decides_by_scoring_order()
    {
        // Scored in this order: informative, three filtered (the 4th examined group reaches 2·B), informative.
        IReadOnlyList<long> Batch(bool askAfterEachScore)
        {
            var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 2, maxConcurrent: 8, dynamicSampling: true, maxGenRounds: 2));
            var g = Enumerable.Range(0, 5).Select(_ => d.Issue()).ToList();
            foreach (var (group, informative) in g.Zip(new[] { true, false, false, false, true }))
            {
                d.Score(group.GroupId, informative);
                if (askAfterEachScore && d.Ledger.NextBatch(1, _ => true) is { Outcome: BatchOutcome.Ready } early) return early.GroupIds;
            }
            return d.Ledger.NextBatch(1, _ => true).GroupIds;
        }

        Assert.Equal([1L], Batch(askAfterEachScore: true));
        Assert.Equal([1L], Batch(askAfterEachScore: false));
    }

    [Fact(DisplayName = "max-gen-rounds: a short batch counts B for admission, so η = 0 leases nothing while its step trains")]
    public void Short_batch_counts_b_for_admission()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 0, maxConcurrent: 8, dynamicSampling: true, maxGenRounds: 1));
        var l = d.Ledger;
        d.Score(d.Issue().GroupId, informative: false);
        d.Score(d.Issue().GroupId);
        var batch = l.NextBatch(1, _ => true);
        Assert.True(batch.CapReached);
        d.Do(batch.Events);

        Assert.Equal(0, l.Capacity); // a group leased now would be generated at v0 and be stale at step 2
        d.Accept(l.CompleteStep(1, 1));
        Assert.Equal(2, l.Capacity); // (η + v + 1)·B − N_accepted = 2·2 − 2
    }

    [Fact(DisplayName = "Asking again for a handed-out batch returns the same groups; lost payloads send them back to the pool")]
    public void Batch_is_idempotent_and_survives_lost_payloads()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 1));
        var l = d.Ledger;
        var g = new[] { d.Issue(), d.Issue() };
        d.Score(g[0].GroupId);
        d.Score(g[1].GroupId);
        var first = l.NextBatch(1, _ => true);
        d.Do(first.Events);
        var again = l.NextBatch(1, _ => true);
        Assert.Equal(BatchOutcome.Ready, again.Outcome);
        Assert.Equal(first.GroupIds, again.GroupIds);
        Assert.Empty(again.Events);
        Assert.Equal(BatchOutcome.Rejected, l.NextBatch(2, _ => true).Outcome);

        // The coordinator restarted and lost the payloads before the learner got the batch.
        var lost = l.NextBatch(1, _ => false);
        Assert.Equal(BatchOutcome.NotEnough, lost.Outcome);
        d.Do(lost.Events);
        Assert.Equal(0, l.Counts.Consumed);
        Assert.Equal(2, l.Drops.ResumedRollback);
        Assert.Equal(g.Select(x => x.Sequence), l.Requeued.Select(s => s.Sequence));

        // A scored group whose payload is gone is re-issued too.
        var h = new[] { d.Issue(), d.Issue() };
        d.Score(h[0].GroupId);
        d.Score(h[1].GroupId);
        var partly = l.NextBatch(1, id => id != h[0].GroupId);
        Assert.Equal(BatchOutcome.NotEnough, partly.Outcome);
        Assert.Equal([new GroupDropped(h[0].GroupId, DropReason.ResumedRollback)], d.Do(partly.Events));
    }

    [Fact(DisplayName = "Learner commands out of order are rejected and change nothing")]
    public void Learner_command_validation()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1));
        var l = d.Ledger;
        Assert.Contains("no batch", l.CompleteStep(1, 1).Rejection);
        Assert.Contains("not the next", l.CompleteStep(2, 1).Rejection);
        Assert.Contains("not a completed", l.CommitCheckpoint(1, 1, "ck/1", "ab").Rejection);
        Assert.Contains("manifest path", l.CommitCheckpoint(1, 1, "", "ab").Rejection);
        d.Score(d.Issue().GroupId);
        d.Do(l.NextBatch(1, _ => true).Events);
        Assert.Contains("older", l.CompleteStep(1, -1).Rejection);
        d.Accept(l.CompleteStep(1, 1));

        Assert.Contains("not one the learner has had", l.CommitCheckpoint(1, 7, "ck/1", "ab").Rejection);
        d.Accept(l.CommitCheckpoint(1, 1, "ck/1", "ab"));
        Assert.Empty(l.CommitCheckpoint(1, 1, "ck/1", "ab").Events); // repeat
        Assert.Contains("not newer", l.CommitCheckpoint(1, 1, "ck/1", "cd").Rejection);
        Assert.Equal(new CheckpointCommitted(1, 1, "ck/1", "ab"), l.LastCheckpoint);
        Assert.Contains("step 1, not 0", l.RollbackTo(0).Rejection);
    }

    [Fact(DisplayName = "Resume: rollback to the last checkpoint returns later work to the pool in prompt order, nothing lost, " +
                        "nothing trained twice")]
    public void Rollback_to_checkpoint()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 1, promptCount: 50, dynamicSampling: true));
        var l = d.Ledger;
        // Step 1, then its checkpoint.
        d.Score(d.Issue().GroupId);
        d.Score(d.Issue().GroupId);
        var step1 = d.Step();
        d.Accept(l.CommitCheckpoint(1, 1, "runs/x/checkpoint-1/manifest.json", "00ff"));
        // Step 2 (with one filtered group on the way).
        var g3 = d.Issue();
        var g4 = d.Issue();
        var g5 = d.Issue();
        d.Score(g3.GroupId);
        d.Score(g4.GroupId);
        d.Score(g5.GroupId, informative: false);
        d.Step();
        // Step 3 handed out but not completed; one group generated, one issued.
        var g6 = d.Issue();
        var g7 = d.Issue();
        var g8 = d.Issue();
        var g9 = d.Issue();
        d.Score(g6.GroupId);
        d.Score(g7.GroupId);
        d.Do(l.NextBatch(3, _ => true).Events);
        d.Do(l.GenerationDone(g8.GroupId, "scorer", T0));
        Assert.Equal(6, l.Counts.Consumed);

        var rollback = l.RollbackTo(1);
        Assert.True(rollback.Accepted);
        var undone = new[] { g3, g4, g5, g6, g7, g8, g9 };
        Assert.Equal([.. undone.Select(g => (ILedgerEvent)new GroupDropped(g.GroupId, DropReason.ResumedRollback)),
                      new RolledBackToCheckpoint(1, 1)], rollback.Events);
        d.Do(rollback.Events);

        Assert.Equal((1L, 1L), (l.LearnerStep, l.PolicyVersion));
        Assert.Equal(new GroupCounts(0, 0, 0, 2, 7), l.Counts);
        Assert.Equal(0, l.Drops.Filtered); // the filtered group is regenerated like everything after the checkpoint
        Assert.Equal(7, l.Drops.ResumedRollback);
        Assert.Equal(8, l.SamplesConsumed);
        Assert.Equal(AdmissionControl.ResumeCounters(1, 2), new AdmissionCounters(l.Accepted, l.Running));
        Assert.Equal(undone.Select(g => new PromptSlot(g.Sequence, g.PromptIndex, g.Seed)), l.Requeued);
        Assert.Equal(ResultOutcome.Ignored, l.RecordResult(g9.GroupId, Outcome(1)).Outcome);

        // The resumed run re-draws the same slots in the same order, then trains each once.
        var again = Enumerable.Range(0, 4).Select(_ => d.Issue()).ToList();
        Assert.Equal(undone.Take(4).Select(g => (g.Sequence, g.PromptIndex, g.Seed)), again.Select(g => (g.Sequence, g.PromptIndex, g.Seed)));
        foreach (var g in again) d.Score(g.GroupId);
        d.Step();
        d.Step();
        var consumedSlots = d.Log.OfType<GroupConsumed>().Select(c => l.Group(c.GroupId)).Where(g => g is { State: GroupState.Consumed })
            .Select(g => g!.Slot.Sequence).ToList();
        Assert.Equal(consumedSlots.Distinct().Count(), consumedSlots.Count);
        Assert.Equal(4, consumedSlots.Count);
        Assert.Equal(2, step1.Count);
    }

    [Fact(DisplayName = "Without a checkpoint a resume starts from step 0")]
    public void Rollback_without_checkpoint()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1));
        var l = d.Ledger;
        d.Score(d.Issue().GroupId);
        d.Step();
        Assert.Contains("step 0, not 1", l.RollbackTo(1).Rejection);
        d.Accept(l.RollbackTo(0));
        Assert.Equal((0L, 0L, 0L), (l.LearnerStep, l.PolicyVersion, l.Counts.Consumed));
        Assert.Equal(0, d.Issue().Sequence);
    }

    [Fact(DisplayName = "A checkpoint makes earlier consumption final: the ledger forgets those groups but keeps their counts")]
    public void Checkpoint_prunes_final_groups()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1, maxStaleness: 0));
        var l = d.Ledger;
        d.Score(d.Issue().GroupId);
        d.Step();
        d.Score(d.Issue().GroupId);
        d.Step();
        Assert.Equal(2, l.RecentlyConsumed.Count);
        d.Accept(l.CommitCheckpoint(2, 2, "ck/2", "aa"));
        Assert.Empty(l.RecentlyConsumed);
        Assert.Equal(2, l.Counts.Consumed);
        Assert.Null(l.Group(1));
        Assert.Equal(ResultOutcome.Ignored, l.RecordResult(1, Outcome(0)).Outcome);
    }

    [Fact(DisplayName = "Replaying the events, from the start or from a snapshot, rebuilds the same ledger")]
    public void Replay_rebuilds_the_same_state()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 1, dynamicSampling: true, leaseSeconds: 5));
        var l = d.Ledger;
        d.Score(d.Issue("a").GroupId);
        d.Score(d.Issue("a").GroupId, informative: false);
        d.Score(d.Issue("b").GroupId);
        d.Step();
        var snapshot = l.ToSnapshot();
        var eventsAtSnapshot = d.Log.Count;
        d.Accept(l.CommitCheckpoint(1, 1, "ck/1", "aa"));
        d.Issue("a");
        d.Issue("b");
        d.Do(l.HolderDied("a"));
        d.Do(l.ExpireLeases(T0.AddMinutes(1)));
        d.Score(d.Issue("c").GroupId);
        d.Accept(l.RollbackTo(1));

        Assert.Equal(Json(l.ToSnapshot()), Json(RunLedger.Replay(l.Settings, d.Log).ToSnapshot()));
        Assert.Equal(Json(l.ToSnapshot()), Json(RunLedger.Replay(l.Settings, d.Log.Skip(eventsAtSnapshot), snapshot).ToSnapshot()));
        Assert.Equal(l.Status, RunLedger.Replay(l.Settings, d.Log).Status);
    }

    [Fact(DisplayName = "Replaying with another run seed or prompt count fails instead of silently changing the prompt order")]
    public void Replay_detects_changed_settings()
    {
        var d = new LedgerDriver(Settings());
        for (var i = 0; i < 4; i++) d.Issue();
        var e = Assert.Throws<InvalidOperationException>(() => RunLedger.Replay(Settings(runSeed: 43), d.Log));
        Assert.Contains("run seed or prompt count", e.Message);
        Assert.Throws<InvalidOperationException>(() => RunLedger.Replay(Settings(promptCount: 6), d.Log));
        Assert.Throws<InvalidOperationException>(() => new RunLedger(Settings()).Apply(new GroupConsumed(5, 1)));
    }
}
