using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Model.Learning;
using static Gipo.Cluster.Tests.Learning.LearnerFixture;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// The mechanism monitors of <see cref="LearnerStepMetrics"/> on whole learner steps (fixture policy and batch): each is
/// checked against a case whose value is known, or against its definition on the scores the step used.
/// </summary>
public sealed class MechanismMetricsTests
{
    /// <summary>GSEC out of calibration after one step with floors above the measured entropy (λ rises at step 2); no IB.</summary>
    private static readonly string[] ForcedGsec =
        ["algorithm.ib.enabled=off", "algorithm.gsec.calibration-steps=1", "algorithm.gsec.kappa0=3", "algorithm.gsec.kappa1=3"];

    private static List<LearnerStepMetrics> Train(AlgorithmSettings settings, int steps,
                                                  Func<IReadOnlyList<ScoredGroup>, IReadOnlyList<ScoredGroup>>? edit = null,
        Action<AdvantageTrace>? observer = null, bool withReference = false)
    {
        using var model = Policy();
        var batch = Batch(model);
        if (edit is not null) batch = edit(batch);
        using var reference = withReference ? Policy() : null;
        using var learner = new GipoLearner(model, Tok, settings, reference, seed: 1) { AdvantageObserver = observer };
        return Enumerable.Range(0, steps).Select(_ => learner.Train(batch)).ToList();
    }

    private static IReadOnlyList<ScoredGroup> AllFailed(IReadOnlyList<ScoredGroup> batch) =>
        batch.Select(g => g with { Scores = g.Scores.Select(s => s with { Reward = 0, Success = false }).ToList() }).ToList();

    [Fact]
    public void Entropy_grad_share_is_one_when_the_entropy_term_is_the_whole_gradient()
    {
        // All-equal rewards give A_out = 0 on every token, so the clipped surrogate has no gradient and ∇L = ∇L_B.
        var uniform = Train(Settings("gipo-preset.conf", ForcedGsec), 2, AllFailed);
        Assert.Null(uniform[0].EntropyGradShare); // calibration: L_B ≡ 0 and no PG gradient either, nothing to divide by
        Assert.Contains(uniform[1].BucketAlpha, a => a > 0);
        Assert.Equal(1.0, uniform[1].EntropyGradShare!.Value, 4);

        var mixed = Train(Settings("gipo-preset.conf", ForcedGsec), 2);
        Assert.Equal(0.0, mixed[0].EntropyGradShare); // L_B ≡ 0 while calibrating
        Assert.True(mixed[1].EntropyGradShare is > 0 and < 1, $"share {mixed[1].EntropyGradShare}");
        var off = Train(Settings("gipo-preset.conf", [.. ForcedGsec, "algorithm.gsec.lambda-max=0"]), 2);
        Assert.Equal(0.0, off[1].EntropyGradShare);
    }

    [Fact]
    public void Nu_rises_when_the_entropy_is_above_its_upper_bound()
    {
        // u = 0.5 puts H^max_b = ½·H^ref_b below the calibrated entropy, so ν_b grows from the first dual step.
        var steps = Train(Settings("gipo-preset.conf", [.. ForcedGsec, "algorithm.gsec.upper-mult=0.5"]), 2);
        Assert.All(steps[0].BucketNu, nu => Assert.Equal(0.0, nu));
        Assert.Contains(steps[1].BucketNu, nu => nu > 0);
        Assert.All(steps[1].BucketUpper.Zip(steps[1].BucketTarget, (upper, target) => upper > 0 && upper < target), Assert.True);

        var noUpper = Train(Settings("gipo-preset.conf", [.. ForcedGsec, "algorithm.gsec.upper-mult=0"]), 2);
        Assert.All(noUpper[1].BucketNu.Concat(noUpper[1].BucketUpper), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Kl_cov_and_clip_cov_count_their_picks_and_other_modes_report_none()
    {
        // Under 500 tokens per minibatch r·N < 1, so KL-Cov picks max(1, ⌊r·N⌋) = 1 token in each of the 2 minibatches.
        Assert.Equal(2, Train(Settings("dapo.conf", "algorithm.entropy.mode=kl_cov"), 1)[0].CovSelectedTokens);
        Assert.InRange(Train(Settings("dapo.conf", "algorithm.entropy.mode=clip_cov"), 1)[0].CovSelectedTokens!.Value, 0, 2);
        Assert.Null(Train(Settings("dapo.conf"), 1)[0].CovSelectedTokens);
    }

    [Fact]
    public void Kl_loss_is_reported_only_when_kl_beta_is_positive()
    {
        Assert.Null(Train(Settings("dapo.conf"), 1)[0].KlLoss);
        var kl = Train(Settings("dapo.conf", "algorithm.kl.beta=0.1"), 2, withReference: true);
        Assert.True(kl[1].KlLoss > 0, $"KL to the reference after an update: {kl[1].KlLoss}");
    }

    [Fact]
    public void Ib_monitors_follow_their_definitions_on_the_scores_the_step_used()
    {
        AdvantageTrace? trace = null;
        var settings = Settings("gipo-preset.conf", "algorithm.entropy.mode=none");
        var m = Train(settings, 1, observer: t => trace = t)[0];
        IReadOnlyList<ScoredGroup> batch;
        using (var model = Policy()) batch = Batch(model);
        var labels = batch.SelectMany(g => g.Scores.Select(s => s.Success)).ToList();
        var groups = batch.SelectMany((g, i) => g.Members.Select(_ => i)).ToList();
        var intermediate = Enumerable.Range(0, labels.Count).Select(trace!.Score!.IntermediateScores).ToList();

        var within = AurocBreakdown.WithinGroup(intermediate, labels, groups);
        Assert.Equal((within.Mean, within.Groups), (m.IbWithinGroupAuroc, m.IbWithinGroupAurocGroups));
        Assert.True(m.IbWithinGroupAurocGroups > 0);
        Assert.Equal(AurocBreakdown.ByStepPosition(intermediate, labels, settings.Buckets), m.IbAurocByStep);
        Assert.True(m.IbKlRate > 0, $"KL rate {m.IbKlRate}");
        Assert.True(m.IbCreditFailing is not null && m.IbCreditSucceeding is not null);
    }
}
