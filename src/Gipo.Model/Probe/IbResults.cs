using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Model.Probe;

/// <summary>
/// The probe's verdict on one batch, computed before it trains on that batch (§C.5, §S <c>IbScoreResult</c>).
/// </summary>
/// <param name="StateScores">p̂ per trajectory for its states k = 0..K−1 (z = μ).</param>
/// <param name="BatchAuroc">AUROC of p̂ on the intermediate states k ≥ 1 against y; out of sample, since the probe has
/// not seen the batch. Null when the batch has one class only (or no intermediate state).</param>
/// <param name="AucEma">AUC_ema after folding <paramref name="BatchAuroc"/> in.</param>
/// <param name="Rho">ρ_t, the trust gate.</param>
/// <param name="Brier">Mean (p̂ − y)² over the intermediate states; null without any.</param>
/// <param name="CalibrationGap">mean p̂ − mean y over the intermediate states; null without any.</param>
public sealed record IbScoreResult(long LearnerStep, double[][] StateScores, double? BatchAuroc, double AucEma, double Rho,
    double? Brier, double? CalibrationGap)
{
    /// <summary>p̂ for k = 1..K−1 of one trajectory: the intermediate potentials <see cref="StepCredit.Potentials"/> takes.</summary>
    public double[] IntermediateScores(int trajectory) => StateScores[trajectory][1..];
}

/// <summary>
/// Diagnostics of one probe update (§C.4, §S): ν-weighted mean BCE and KL (nats per state) over the last epoch's
/// minibatches (sampled z; replayed states included), and the ν-weighted Brier score of this batch's states after
/// the update (z = μ).
/// </summary>
public sealed record IbTrainResult(long LearnerStep, double Bce, double KlRate, double Brier);
