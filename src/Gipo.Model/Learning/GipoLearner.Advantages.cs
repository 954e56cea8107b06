using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Core.Algorithm.Objective;
using Gipo.Model.Probe;
using static TorchSharp.torch;

namespace Gipo.Model.Learning;

// Step 4 (§D.1): outcome advantages (§A.2), blended per step with the IB credit once Φ has earned trust (§C.5–§C.7).
public sealed partial class GipoLearner
{
    /// <summary>
    /// A^out and s_g, then with IB: the batch scored out of sample (AUROC, trust gate), potentials and step credit, and
    /// the blended token advantages; the host copy for <see cref="AdvantageObserver"/> when one is set.
    /// </summary>
    private StepAdvantages Advantages(LearnerRows rows, int[][] stepIndex, ProximalStatistics prox)
    {
        var (aOut, scale) = OutcomeAdvantages.Compute(rows.Rewards, rows.GroupIds, settings.AdvantageNorm);
        var advantages = OutcomeAdvantages.ToTokens(aOut, rows.Mask);
        var ibScore = Ib is not null ? Ib.Score(prox.Features!, rows.Success, Step)
            : RefAnswer?.Score(prox.RefPotentials!, rows.Success, Step);
        double signFlip = 0;
        IbCreditSplit? credit = null;
        double[][]? stepCredit = null;
        if (ibScore is not null) (advantages, signFlip, credit, stepCredit) = BlendIb(ibScore, aOut, scale, rows, stepIndex);
        (WithinGroupAuroc WithinGroup, double[] ByStep)? ranking = ibScore is not null ? Ranking(ibScore, rows) : null;
        var trace = AdvantageObserver is not null ? Trace(Step + 1, advantages, aOut, ibScore, rows) with { IbStepCredit = stepCredit } : null;
        return new StepAdvantages(advantages, ibScore, signFlip, credit, ranking, trace);
    }

    private (Tensor Advantages, double SignFlip, IbCreditSplit Credit, double[][] StepCredit) BlendIb(IbScoreResult score, double[] aOut,
        double[] scale, LearnerRows rows, int[][] stepIndex)
    {
        var cfg = settings.Ib;
        var groupMean = rows.GroupMeans();
        var stepAdvantages = new double[rows.Count][];
        var blends = new GroupBlend[rows.Count];
        for (var n = 0; n < rows.Count; n++)
        {
            var phi = StepCredit.Potentials(groupMean[n], score.IntermediateScores(n), rows.Rewards[n], cfg.PhiSpace, cfg.PhiEpsilon);
            stepAdvantages[n] = StepCredit.StepAdvantages(phi, cfg.LambdaS);
            blends[n] = GroupBlend.For(cfg.WeightIb, score.Rho, scale[n], rows.GroupIsUniform(n), cfg.UniformGroups);
        }
        var stepOfToken = StepIndexTensor(rows, stepIndex);
        var outcome = tensor(aOut.Select(a => (float)a).ToArray(), device: policy.Device);
        var blended = AdvantageBlend.TokenAdvantages(outcome, stepOfToken, stepAdvantages, blends, cfg.ClipIb);
        // A uniform group left unblended has no commensurate scale s_g: its credit would say nothing, so it is left out.
        var credited = Enumerable.Range(0, rows.Count).Where(n => cfg.UniformGroups || !rows.GroupIsUniform(n)).ToArray();
        var credit = AdvantageBlend.CreditBySuccess(
            credited.Select(n => AdvantageBlend.ScaledStepAdvantages(stepAdvantages[n], cfg.ClipIb, blends[n].Scale)).ToList(),
            credited.Select(n => rows.Success[n]).ToList());
        return (blended, AdvantageBlend.SignFlipFraction(blended, outcome, rows.Mask), credit, stepAdvantages);
    }

    /// <summary>The within-group and per-step-position AUROC of the batch's intermediate scores (§C.5 monitors).</summary>
    private (WithinGroupAuroc WithinGroup, double[] ByStep) Ranking(IbScoreResult score, LearnerRows rows)
    {
        var intermediate = Enumerable.Range(0, rows.Count).Select(score.IntermediateScores).ToList();
        return (AurocBreakdown.WithinGroup(intermediate, rows.Success, rows.GroupIds),
            AurocBreakdown.ByStepPosition(intermediate, rows.Success, settings.Buckets));
    }

    /// <summary>The step's advantages on the host for <see cref="AdvantageObserver"/>, each row cut to its response.</summary>
    private static AdvantageTrace Trace(long learnerStep, Tensor advantages, double[] aOut, IbScoreResult? score, LearnerRows rows)
    {
        var flat = advantages.to(float32).cpu().data<float>().ToArray();
        var tokens = rows.Trajectories.Select((t, n) => flat.AsSpan(n * rows.Width, t.ResponseTokens.Length).ToArray()).ToArray();
        return new AdvantageTrace(learnerStep, tokens, [.. aOut], score);
    }
}
