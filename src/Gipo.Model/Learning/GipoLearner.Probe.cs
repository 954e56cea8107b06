using Gipo.Model.Probe;

namespace Gipo.Model.Learning;

// Step 7 (§D.1): probe training, after the policy update (§C.4).
public sealed partial class GipoLearner
{
    /// <summary>
    /// Trains the probe on this batch's π_prox states, which step 4 scored out of sample, then on the rejected groups'
    /// (<c>train-on-filtered</c>), and frees every feature tensor of the step. Null without a probe.
    /// </summary>
    private IbTrainResult? TrainProbe(LearnerRows rows, ProximalStatistics prox)
    {
        var ibTrain = Ib?.Train([.. prox.Features!, .. prox.FilteredFeatures], [.. rows.Success, .. prox.FilteredLabels], Step);
        foreach (var f in (prox.Features ?? []).Concat(prox.FilteredFeatures)) f.Dispose();
        return ibTrain;
    }
}
