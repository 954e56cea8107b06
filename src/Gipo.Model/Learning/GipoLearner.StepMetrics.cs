using Gipo.Core.Algorithm.Entropy;
using Gipo.Model.Probe;

namespace Gipo.Model.Learning;

// What a learner step reports: the pieces of every step gathered into one record.
public sealed partial class GipoLearner
{
    /// <summary>The metrics of the step just done (<see cref="Step"/> already counts it).</summary>
    private LearnerStepMetrics StepMetrics(int groups, LearnerRows rows, GroupSequentialStatistic statistic, EntropyCoefficients coefficients,
        StepAdvantages advantages, PpoUpdate ppo, IbTrainResult? ibTrain, int filteredGroups,
        (double Total, double Prox, double Advantages, double Ppo) seconds)
    {
        return new LearnerStepMetrics
        {
            Step = Step, PolicyVersion = PolicyVersion, Groups = groups, Trajectories = rows.Count,
            RewardMean = rows.Rewards.Average(), SuccessRate = rows.Success.Average(s => s ? 1.0 : 0.0),
            MeanResponseLength = rows.Trajectories.Average(t => t.ResponseTokens.Length),
            Loss = ppo.Loss, EntropyTerm = ppo.EntropyTerm,
            TokenEntropy = statistic.GlobalTokenMean, BucketEntropy = statistic.BucketMean,
            BucketTarget = coefficients.Target, BucketAlpha = coefficients.Alpha, Calibrating = coefficients.Calibrating,
            BucketNu = coefficients.Nu, BucketUpper = coefficients.Upper, EntropyGradShare = ppo.EntropyGradShare,
            KlLoss = settings.Loss.KlBeta > 0 ? ppo.Loss.KlLoss : null,
            CovSelectedTokens = regularizer.Mode is EntropyMode.ClipCov or EntropyMode.KlCov ? ppo.CovSelected : null,
            IbWithinGroupAuroc = advantages.Ranking?.WithinGroup.Mean, IbWithinGroupAurocGroups = advantages.Ranking?.WithinGroup.Groups ?? 0,
            IbAurocByStep = advantages.Ranking?.ByStep
                ?? [], IbCreditFailing = advantages.Credit?.Failing, IbCreditSucceeding = advantages.Credit?.Succeeding,
            IbKlRate = ibTrain?.KlRate,
            IbBatchAuroc = advantages.IbScore?.BatchAuroc, IbAucEma = advantages.IbScore?.AucEma ?? 0, IbRho = advantages.IbScore?.Rho ?? 0,
            IbBce = ibTrain?.Bce ?? 0, IbSignFlipFraction = advantages.SignFlip,
            IbBrier = advantages.IbScore?.Brier, IbCalibrationGap = advantages.IbScore?.CalibrationGap, IbTrainStates = ibTrain?.States ?? 0,
            IbFilteredGroups = filteredGroups, IbPolicyLoss = ppo.IbPolicyLoss,
            GradNorm = ppo.GradNorm, Seconds = seconds.Total,
            ProxSeconds = seconds.Prox, AdvantageSeconds = seconds.Advantages, PpoSeconds = seconds.Ppo,
        };
    }
}
