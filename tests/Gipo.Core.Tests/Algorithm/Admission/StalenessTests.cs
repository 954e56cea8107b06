using Gipo.Core.Algorithm.Admission;

namespace Gipo.Core.Tests.Algorithm.Admission;

public class StalenessTests
{
    [Fact]
    public void Group_staleness_is_the_learner_version_minus_the_oldest_behaviour_version()
    {
        Assert.Equal(2, Staleness.GroupStaleness(5, [3, 4, 5]));
        // Per-token versions of one trajectory whose weights changed mid-generation: the oldest token counts.
        Assert.Equal(3, Staleness.GroupStaleness(7, [5, 5, 4, 6, 7]));
        Assert.Equal(0, Staleness.GroupStaleness(0, [0, 0]));
    }

    [Fact]
    public void Bad_versions_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Staleness.GroupStaleness(5, []));
        var e = Assert.Throws<ArgumentException>(() => Staleness.GroupStaleness(5, [4, 6]));
        Assert.Contains("newer than the learner", e.Message);
        Assert.Throws<ArgumentException>(() => Staleness.GroupStaleness(5, [-1, 2]));
    }

    [Theory]
    // §T9: v = 0, η = 2, B = 16 ⇒ room (2 + 0 + 1)·16 = 48 groups minus N_accepted + N_running.
    [InlineData(0, 0, 0, 2, 16, 1000, 48)]
    [InlineData(10, 5, 0, 2, 16, 1000, 33)]
    [InlineData(40, 8, 0, 2, 16, 1000, 0)]
    [InlineData(40, 10, 0, 2, 16, 1000, 0)] // over the bound: no slot, never negative
    [InlineData(50, 6, 3, 2, 16, 1000, 40)] // v = 3: 6·16 − 56
    [InlineData(10, 5, 0, 2, 16, 20, 15)] // max_concurrent binds: 20 − 5
    [InlineData(0, 20, 0, 2, 16, 20, 0)]
    [InlineData(0, 0, 0, 0, 16, 1000, 16)] // η = 0: one batch at a time (synchronous)
    [InlineData(16, 0, 1, 0, 16, 1000, 16)]
    public void Capacity_follows_the_AReaL_formula(long accepted, long running, long v, int eta, int b, int maxConcurrent, long expected)
    {
        Assert.Equal(expected, AdmissionControl.Capacity(accepted, running, v, eta, b, maxConcurrent));
    }

    [Fact]
    public void CanStart_is_capacity_above_zero()
    {
        Assert.True(AdmissionControl.CanStart(40, 7, 0, 2, 16, 1000));
        Assert.False(AdmissionControl.CanStart(40, 8, 0, 2, 16, 1000));
        Assert.False(AdmissionControl.CanStart(0, 4, 0, 2, 16, 4));
    }

    [Theory]
    [InlineData(-1, 0, 0, 2, 16, 8)]
    [InlineData(0, -1, 0, 2, 16, 8)]
    [InlineData(0, 0, -1, 2, 16, 8)]
    [InlineData(0, 0, 0, -1, 16, 8)]
    [InlineData(0, 0, 0, 2, 0, 8)]
    [InlineData(0, 0, 0, 2, 16, 0)]
    public void Capacity_rejects_bad_counters(long accepted, long running, long v, int eta, int b, int maxConcurrent)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AdmissionControl.Capacity(accepted, running, v, eta, b, maxConcurrent));
    }

    [Fact]
    public void A_group_older_than_eta_is_dropped_and_requeued()
    {
        Assert.Equal(ConsumptionDecision.Accept, ConsumptionGuard.Check(groupStaleness: 2, maxStaleness: 2));
        Assert.Equal(ConsumptionDecision.DropStale, ConsumptionGuard.Check(groupStaleness: 3, maxStaleness: 2));
        Assert.Equal(ConsumptionDecision.DropStale, ConsumptionGuard.Check(groupStaleness: 1, maxStaleness: 0));
    }

    [Fact]
    public void One_stale_trajectory_drops_the_whole_group()
    {
        // Learner at v = 10, η = 2: seven fresh trajectories and one sampled at v = 7 ⇒ Δ = 3 ⇒ drop all eight.
        long[] versions = [10, 10, 9, 9, 10, 8, 10, 7];

        Assert.Equal(ConsumptionDecision.DropStale, ConsumptionGuard.Check(10, versions, maxStaleness: 2));
        Assert.Equal(ConsumptionDecision.Accept, ConsumptionGuard.Check(10, versions[..7], maxStaleness: 2));
    }

    [Fact]
    public void Resume_sets_accepted_to_v_times_B_and_running_to_zero()
    {
        var counters = AdmissionControl.ResumeCounters(policyVersion: 7, groupsPerStep: 16);

        Assert.Equal(new AdmissionCounters(112, 0), counters);
        // After a resume the room is the same as at the start of any step: (η + 1)·B.
        Assert.Equal(48, AdmissionControl.Capacity(counters.Accepted, counters.Running, 7, 2, 16, 1000));
        Assert.Equal(new AdmissionCounters(0, 0), AdmissionControl.ResumeCounters(0, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => AdmissionControl.ResumeCounters(-1, 16));
    }
}
