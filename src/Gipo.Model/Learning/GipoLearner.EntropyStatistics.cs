using Gipo.Core.Algorithm.Entropy;
using static TorchSharp.torch;

namespace Gipo.Model.Learning;

// Step 3 (§D.1): the group-sequential entropy statistics of the full batch → scheduler → this step's coefficients.
public sealed partial class GipoLearner
{
    /// <summary>H̄_b over the full batch (§B.4) and the coefficients the scheduler gives for it (§B.6, §B.8).</summary>
    private (GroupSequentialStatistic Statistic, EntropyCoefficients Coefficients) EntropyStatistics(Tensor proxEntropy, LearnerRows rows,
        TokenBucketIds buckets)
    {
        var statistic = GroupSequentialEntropy.Measure(proxEntropy, rows.Mask, buckets, rows.GroupIds);
        return (statistic, Coefficients(statistic));
    }

    /// <summary>Step 3's scheduler update; zero coefficients for entropy modes without a scheduler.</summary>
    private EntropyCoefficients Coefficients(GroupSequentialStatistic statistic) =>
        regularizer.NeedsScheduler
            ? Scheduler!.Update(statistic.ToStats(Step, PolicyVersion))
            : EntropyCoefficients.Zero(Step, settings.EntropyBuckets);
}
