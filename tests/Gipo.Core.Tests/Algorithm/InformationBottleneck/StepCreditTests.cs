using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Core.Tests.Algorithm.InformationBottleneck;

public class StepCreditTests
{
    private const int Cases = 250;

    /// <summary>A random trajectory: K in 1..12, group mean and probe scores in [0, 1], a 0/1 or fractional reward.</summary>
    private static (double GroupMean, double[] Probe, double Reward) RandomCase(Random rng)
    {
        var k = rng.Next(1, 13);
        var probe = Enumerable.Range(0, k - 1).Select(_ => rng.NextDouble()).ToArray();
        var reward = rng.Next(3) switch { 0 => 0.0, 1 => 1.0, _ => rng.NextDouble() };
        return (rng.NextDouble(), probe, reward);
    }

    [Fact]
    public void P1_shaped_rewards_telescope_to_the_DrGrpo_advantage()
    {
        var rng = new Random(101);
        for (var c = 0; c < Cases; c++)
        {
            var (mean, probe, reward) = RandomCase(rng);
            var phi = StepCredit.Potentials(mean, probe, reward);
            var lambda0 = StepCredit.StepAdvantages(phi, 0);

            Assert.Equal(reward - mean, StepCredit.ShapedRewards(phi).Sum(), 12);
            Assert.Equal(reward - mean, lambda0.Sum(), 12);
        }
    }

    [Fact]
    public void P2_lambda_one_is_the_outcome_minus_the_previous_potential()
    {
        var rng = new Random(102);
        for (var c = 0; c < Cases; c++)
        {
            var (mean, probe, reward) = RandomCase(rng);
            var phi = StepCredit.Potentials(mean, probe, reward);
            var a = StepCredit.StepAdvantages(phi, 1);

            Assert.Equal(probe.Length + 1, a.Length);
            for (var k = 1; k <= a.Length; k++) Assert.Equal(reward - phi[k - 1], a[k - 1], 12);
            Assert.Equal(reward - mean, a[0], 12);
        }
    }

    [Fact]
    public void P3_lambda_zero_is_the_step_progress()
    {
        var rng = new Random(103);
        for (var c = 0; c < Cases; c++)
        {
            var (mean, probe, reward) = RandomCase(rng);
            var phi = StepCredit.Potentials(mean, probe, reward);
            var a = StepCredit.StepAdvantages(phi, 0);

            for (var k = 1; k <= a.Length; k++) Assert.Equal(phi[k] - phi[k - 1], a[k - 1]);
        }
    }

    [Fact]
    public void P4_an_uninformative_probe_gives_every_step_the_outcome_advantage()
    {
        var rng = new Random(104);
        for (var c = 0; c < Cases; c++)
        {
            var (mean, probe, reward) = RandomCase(rng);
            var flat = Enumerable.Repeat(mean, probe.Length).ToArray();
            var a = StepCredit.StepAdvantages(StepCredit.Potentials(mean, flat, reward), 1);

            Assert.All(a, v => Assert.Equal(reward - mean, v, 12));
        }
    }

    [Fact]
    public void Gae_matches_a_hand_computed_trajectory()
    {
        // Φ = [0.25, 0.6, 0.3, 1]: δ = [0.35, −0.3, 0.7]; λ = ½: A₃ = 0.7, A₂ = −0.3 + 0.35 = 0.05, A₁ = 0.35 + 0.025.
        var phi = StepCredit.Potentials(0.25, [0.6, 0.3], 1.0);
        Assert.Equal([0.25, 0.6, 0.3, 1.0], phi);

        var a = StepCredit.StepAdvantages(phi, 0.5);

        Assert.Equal(0.375, a[0], 12);
        Assert.Equal(0.05, a[1], 12);
        Assert.Equal(0.7, a[2], 12);
    }

    [Fact]
    public void A_single_step_trajectory_gets_the_outcome_advantage_for_any_lambda()
    {
        var phi = StepCredit.Potentials(0.375, [], 0.0);
        Assert.Equal([0.375, 0.0], phi);
        foreach (var lambda in new[] { 0, 0.5, 1 })
            Assert.Equal([-0.375], StepCredit.StepAdvantages(phi, lambda));
    }

    [Fact]
    public void Log_space_floors_every_potential_endpoints_included()
    {
        var phi = StepCredit.Potentials(0.5, [0.01, 0.8], 0.0, PhiSpace.Log);

        Assert.Equal([Math.Log(0.5), Math.Log(0.05), Math.Log(0.8), Math.Log(0.05)], phi);
        // Telescoping holds in log space too: Σδ = log max(R, ε) − log max(R̄, ε).
        Assert.Equal(Math.Log(0.05) - Math.Log(0.5), StepCredit.StepAdvantages(phi, 0).Sum(), 12);
    }

    [Fact]
    public void Rejects_lambda_outside_the_unit_interval_and_too_few_potentials()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StepCredit.StepAdvantages([0, 1], 1.5));
        Assert.Throws<ArgumentException>(() => StepCredit.StepAdvantages([0.5], 0.5));
    }
}
