using Gipo.Core.Algorithm;
using Gipo.Model.Learning;
using static Gipo.Cluster.Tests.LearnerFixture;

namespace Gipo.Cluster.Tests;

/// <summary>
/// Whole learner steps, loaded from the real preset files, checked where a unit test of the parts cannot see how the
/// learner wires them: the versions it gives the log-linear proximal policy (§A.4).
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
}
