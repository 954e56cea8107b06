using Gipo.Core.Algorithm;
using Gipo.Model.Learning;
using static Gipo.Cluster.Tests.Learning.LearnerFixture;
using static TorchSharp.torch;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// Whole learner steps, loaded from the real preset files, checked where a unit test of the parts cannot see how the
/// learner wires them: the versions it gives the log-linear proximal policy (§A.4), the bucket count of the
/// adaptive_global statistic (§B.7) and the KL term of the token-shaping modes (§A.6, §A.9).
/// </summary>
public sealed class LearnerLossPathTests
{
    /// <summary>
    /// The batch of <see cref="LearnerFixture.Batch"/> with every behaviour log-prob lowered by
    /// <paramref name="shift"/> nats: the sampler's ℓμ then sits that far below the learner's ℓθ.
    /// </summary>
    private static IReadOnlyList<ScoredGroup> ShiftedBehaviour(IReadOnlyList<ScoredGroup> batch, float shift) =>
        batch.Select(g => g with
        {
            Members = g.Members.Select(t => t with { BehaviourLogProbs = t.BehaviourLogProbs.Select(lp => lp - shift).ToArray() }).ToList(),
        }).ToList();

    [Fact]
    public void Loglinear_prox_keeps_a_trust_region_on_stale_rows()
    {
        // Rows sampled at v0, trained by a learner at v^prox = 1: the optimised policy is v^θ = 2 (AReaL's convention),
        // so α = (1 − 0)/(2 − 0) = ½ and ℓprox = ℓμ + ½(ℓθ − ℓμ). With ℓθ − ℓμ ≈ 1 the ratio is e^½ ≈ 1.65, clipped at
        // 1 + ε_high for A > 0, and w = e^½. Passing v^θ = v^prox made α = 1, ρ ≡ 1 (no clip ever) and w = e^1.
        using var model = Policy();
        var batch = ShiftedBehaviour(Batch(model), 1f);
        Assert.All(batch.SelectMany(g => g.Members), t => Assert.Equal(0, t.BehaviourVersion));
        using var learner = new GipoLearner(model, Tok, Settings("dapo.conf", "algorithm.off-policy.prox=loglinear"), seed: 1);
        learner.Restore(1, null);

        var m = learner.Train(batch);

        // About half the tokens have A > 0 (rewards alternate within each group), and they are clipped.
        Assert.InRange(m.Loss.ClipFractionHigh, 0.3, 1);
        Assert.InRange(m.Loss.MeanWeight, Math.Exp(0.5) - 0.1, Math.Exp(0.5) + 0.1);
    }

    [Fact]
    public void Adaptive_global_measures_one_bucket_whatever_gsec_buckets_says()
    {
        // §B.7: adaptive_global is GSEC with K_B = 1, gated. The learner's scheduler holds one bucket, so the statistic
        // must have one too, at the default gsec.buckets = 6 as well.
        var settings = Settings("gipo-preset.conf", "algorithm.entropy.mode=adaptive_global", "algorithm.ib.enabled=off");
        Assert.Equal(6, settings.Buckets);
        using var model = Policy();
        var batch = Batch(model);

        using var local = new GipoLearner(model, Tok, settings, seed: 1);
        Assert.Equal(1, local.Scheduler!.NumBuckets);
        Assert.Single(local.Train(batch).BucketEntropy);
        Assert.Equal(1, local.Scheduler.State.NumBuckets);
    }

    /// <summary>The weights after one learner step with a reference policy 10% smaller than the policy (so KL ≠ 0).</summary>
    private static Tensor StepWithReference(AlgorithmSettings settings)
    {
        using var model = Policy();
        using var reference = Policy();
        using (no_grad())
            foreach (var (_, view) in reference.HfTensorViews()) view.mul_(0.9);
        var batch = Batch(model);
        using var learner = new GipoLearner(model, Tok, settings, reference, seed: 1);
        learner.Train(batch);
        return learner.Optimizer.Parameters.detach().clone();
    }

    [Fact]
    public void Token_shaping_modes_keep_the_kl_term()
    {
        // Forking at quantile 0 keeps every token, so its shaped loss is the plain clipped loss: with β_KL > 0 its update
        // must be that of mode none with the same β, which itself differs from β = 0 (the KL term is not negligible).
        string[] kl = ["algorithm.kl.beta=0.5"];
        var plain = StepWithReference(Settings("dapo.conf", kl));
        var withoutKl = StepWithReference(Settings("dapo.conf"));
        var forking = StepWithReference(Settings("dapo.conf", [.. kl, "algorithm.entropy.mode=forking", "algorithm.entropy.forking-quantile=0"]));
        Assert.False(Identical(plain, withoutKl));
        Assert.True(Identical(plain, forking));

        // Clip-Cov and KL-Cov go through the same shaped path: their KL term moves their update too.
        foreach (var mode in new[] { "clip_cov", "kl_cov" })
        {
            var shaped = StepWithReference(Settings("dapo.conf", [.. kl, $"algorithm.entropy.mode={mode}"]));
            var shapedWithoutKl = StepWithReference(Settings("dapo.conf", $"algorithm.entropy.mode={mode}"));
            Assert.False(Identical(shaped, shapedWithoutKl), mode);
        }
    }
}
