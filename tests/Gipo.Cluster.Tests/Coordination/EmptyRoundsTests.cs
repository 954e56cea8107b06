using Gipo.Cluster.Coordination;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>
/// Issue 11, item 7: with every reward equal (e.g. all 0), dynamic sampling filters every group and the run used to wait
/// at step 0 for ever, silently. The batch decision counts the rounds of B groups with none kept, and says the run
/// cannot go on once <see cref="LedgerSettings.MaxEmptyRounds"/> is reached.
/// </summary>
public sealed class EmptyRoundsTests
{
    [Fact(DisplayName = "Rounds of B groups with none kept are counted; max-empty-rounds ends the run; one kept group resets the count")]
    public void Empty_rounds_are_counted_and_capped()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 2, maxStaleness: 2, maxConcurrent: 8, promptCount: 50, dynamicSampling: true,
                                          maxEmptyRounds: 3));
        var l = d.Ledger;
        d.Score(d.Issue().GroupId, informative: false);
        var first = l.NextBatch(1, _ => true);
        Assert.Equal((BatchOutcome.NotEnough, 0L, false), (first.Outcome, first.EmptyRounds, first.Exhausted)); // half a round: no verdict yet

        for (var i = 0; i < 3; i++) d.Score(d.Issue().GroupId, informative: false);
        var two = l.NextBatch(1, _ => true);
        Assert.Equal((2L, false), (two.EmptyRounds, two.Exhausted));
        Assert.Contains("no group kept for step 1", two.Reason);
        Assert.Contains("every group's rewards were equal", two.Reason);
        Assert.Contains("the run ends after max-empty-rounds = 3", two.Reason);

        for (var i = 0; i < 2; i++) d.Score(d.Issue().GroupId, informative: false);
        var three = l.NextBatch(1, _ => true);
        Assert.Equal((BatchOutcome.NotEnough, 3L, true), (three.Outcome, three.EmptyRounds, three.Exhausted));
        Assert.Contains("max-empty-rounds = 3 reached", three.Reason);

        // A group kept (informative) means the rewards are not all equal: no empty round, the step waits for B as usual.
        d.Score(d.Issue().GroupId);
        var kept = l.NextBatch(1, _ => true);
        Assert.Equal((0L, false), (kept.EmptyRounds, kept.Exhausted));
    }

    [Fact(DisplayName = "max-empty-rounds = 0 never ends the run, and without dynamic sampling nothing is filtered")]
    public void No_cap_and_no_dynamic_sampling()
    {
        var d = new LedgerDriver(Settings(groupsPerStep: 1, maxStaleness: 2, maxConcurrent: 8, promptCount: 50, dynamicSampling: true));
        for (var i = 0; i < 6; i++) d.Score(d.Issue().GroupId, informative: false);
        var decision = d.Ledger.NextBatch(1, _ => true);
        Assert.Equal((6L, false), (decision.EmptyRounds, decision.Exhausted));
        Assert.DoesNotContain("the run ends", decision.Reason);

        Assert.Throws<ArgumentOutOfRangeException>(() => Settings(maxEmptyRounds: -1).Validate());
    }
}
