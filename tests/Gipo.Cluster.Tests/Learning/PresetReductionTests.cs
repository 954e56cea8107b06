using Gipo.Core.Algorithm;
using Gipo.Model.Learning;
using static Gipo.Cluster.Tests.Learning.LearnerFixture;
using static TorchSharp.torch;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// The reductions of docs/algorithm.md §D.3, checked on whole learner steps loaded from the real preset files:
/// switching GIPO's additions off must give DAPO's update bit for bit.
/// </summary>
public sealed class PresetReductionTests
{
    private static (Tensor Weights, LearnerStepMetrics Last) TrainSteps(AlgorithmSettings settings, int steps)
    {
        using var model = Policy();
        var batch = Batch(model);
        using var learner = new GipoLearner(model, Tok, settings, seed: 1);
        LearnerStepMetrics last = null!;
        for (var i = 0; i < steps; i++) last = learner.Train(batch);
        return (learner.Optimizer.Parameters.detach().clone(), last);
    }

    [Fact]
    public void Gipo_with_both_additions_off_is_bit_identical_to_dapo()
    {
        var (dapo, dapoMetrics) = TrainSteps(Settings("dapo.conf"), 2);
        var (gipoOff, gipoMetrics) = TrainSteps(Settings("gipo-preset.conf", "algorithm.entropy.mode=none", "algorithm.ib.enabled=off"), 2);
        Assert.True(Identical(dapo, gipoOff));
        Assert.Equal(dapoMetrics.Loss, gipoMetrics.Loss);

        var (gipo, _) = TrainSteps(Settings("gipo-preset.conf", "algorithm.gsec.calibration-steps=1", "algorithm.gsec.kappa0=3",
                                            "algorithm.gsec.kappa1=3"), 3);
        Assert.False(Identical(dapo, gipo)); // and the comparison can fail: GIPO on does change the update
    }

    [Fact]
    public void Gsec_with_lambda_max_zero_equals_no_entropy_term()
    {
        // κ = 3 puts every target above the measured entropy, so λ would rise from step 2 on if allowed.
        string[] forced = ["algorithm.ib.enabled=off", "algorithm.gsec.calibration-steps=1", "algorithm.gsec.kappa0=3", "algorithm.gsec.kappa1=3"];
        var (none, _) = TrainSteps(Settings("gipo-preset.conf", [.. forced, "algorithm.entropy.mode=none"]), 3);
        var (zero, zeroMetrics) = TrainSteps(Settings("gipo-preset.conf", [.. forced, "algorithm.gsec.lambda-max=0"]), 3);
        var (active, activeMetrics) = TrainSteps(Settings("gipo-preset.conf", forced), 3);
        Assert.True(Identical(none, zero));
        Assert.All(zeroMetrics.BucketAlpha, a => Assert.Equal(0.0, a));
        Assert.Contains(activeMetrics.BucketAlpha, a => a > 0);
        Assert.False(Identical(none, active));
    }

    [Fact]
    public void Ib_before_its_trust_gate_opens_leaves_the_update_unchanged()
    {
        // At learner step 0 the gate's warm-up ramp is 0, so ρ = 0 and A = A_out exactly (§C.7).
        var (off, _) = TrainSteps(Settings("gipo-preset.conf", "algorithm.entropy.mode=none", "algorithm.ib.enabled=off"), 1);
        var (on, metrics) = TrainSteps(Settings("gipo-preset.conf", "algorithm.entropy.mode=none"), 1);
        Assert.Equal(0.0, metrics.IbRho);
        Assert.True(Identical(off, on));
    }

    [Fact]
    public void Prox_behave_gives_unit_importance_weights()
    {
        var (_, behave) = TrainSteps(Settings("dapo.conf", "algorithm.off-policy.prox=behave"), 1);
        Assert.Equal(0.0, behave.Loss.MeanAbsWeightMinusOne);
        Assert.Equal(1.0, behave.Loss.MeanWeight, 12);
        var (_, recompute) = TrainSteps(Settings("dapo.conf"), 1);
        // Recomputed ℓprox differs from the sampler's ℓμ by kernel rounding only (§A.4): w ≈ 1 but not exactly.
        Assert.InRange(recompute.Loss.MeanAbsWeightMinusOne, 0, 1e-4);
    }

    [Fact]
    public void Bad_batches_are_rejected_with_a_reason()
    {
        using var model = Policy();
        using var learner = new GipoLearner(model, Tok, Settings("dapo.conf"));
        Assert.Contains("at least one group", Assert.Throws<ArgumentException>(() => learner.Train([])).Message);
        var group = Batch(model)[0];
        var single = group with { Members = group.Members.Take(1).ToList(), Scores = group.Scores.Take(1).ToList() };
        Assert.Contains("at least 2 samples", Assert.Throws<ArgumentException>(() => learner.Train([single])).Message);
        var nan = group with { Members = group.Members.Select((m, i) => i == 0
            ? m with { BehaviourLogProbs = m.BehaviourLogProbs.Select(_ => float.NaN).ToArray() } : m).ToList() };
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => learner.Train([nan])).Message);
        var mismatched = group with { Scores = group.Scores.Take(3).ToList() };
        Assert.Contains("scores", Assert.Throws<ArgumentException>(() => learner.Train([mismatched])).Message);
        var empty =
            group with { Members = group.Members.Select((m, i) => i == 0 ? m with { ResponseTokens = [], BehaviourLogProbs = [] } : m).ToList() };
        Assert.Contains("at least one token", Assert.Throws<ArgumentException>(() => learner.Train([empty])).Message); // K = 0 steps
        Assert.Equal(0, learner.Step); // nothing was half-applied
    }
}
