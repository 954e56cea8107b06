using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Model.Probe;

/// <summary>
/// The potential source's verdict on one batch, computed before the probe trains on that batch (§C.5, §S
/// <c>IbScoreResult</c>).
/// </summary>
/// <param name="StateScores">p̂ (or, for <c>ref_answer_prob</c>, Φ) per trajectory for its states k = 0..K−1.</param>
/// <param name="BatchAuroc">AUROC of the scores on the intermediate states k ≥ 1 against y; out of sample, since the
/// probe has not seen the batch. Null when the batch has one class only (or no intermediate state).</param>
/// <param name="AucEma">AUC_ema after folding <paramref name="BatchAuroc"/> in.</param>
/// <param name="Rho">ρ_t, the trust gate.</param>
/// <param name="Brier">Mean (p̂ − y)² over the intermediate states; null without any.</param>
/// <param name="CalibrationGap">mean p̂ − mean y over the intermediate states; null without any.</param>
public sealed record IbScoreResult(long LearnerStep, double[][] StateScores, double? BatchAuroc, double AucEma, double Rho,
    double? Brier, double? CalibrationGap)
{
    /// <summary>p̂ for k = 1..K−1 of one trajectory: the intermediate potentials <see cref="StepCredit.Potentials"/> takes.</summary>
    public double[] IntermediateScores(int trajectory) => StateScores[trajectory][1..];

    /// <summary>
    /// Judges <paramref name="scores"/> (success scores per state k = 0..K−1 of each trajectory) against the outcome
    /// <paramref name="labels"/> on the intermediate states, folds the AUROC into <paramref name="gate"/> and reads ρ_t.
    /// Any score of success can be judged this way, so every Φ source shares the gate of §C.5.
    /// </summary>
    public static IbScoreResult Judge(double[][] scores, IReadOnlyList<bool> labels, TrustGate gate, long learnerStep)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(gate);
        if (labels.Count != scores.Length) throw new ArgumentException($"{scores.Length} trajectories but {labels.Count} labels", nameof(labels));
        var (p, y) = IntermediateStates(scores, labels);
        var auc = Auroc.Compute(p, y);
        gate.Observe(auc);
        double? brier = null, gap = null;
        if (p.Length > 0)
        {
            brier = p.Select((v, j) => Math.Pow(v - (y[j] ? 1 : 0), 2)).Average();
            gap = p.Average() - y.Average(b => b ? 1.0 : 0.0);
        }
        return new IbScoreResult(learnerStep, scores, auc, gate.AucEma, gate.Rho(learnerStep), brier, gap);
    }

    private static (double[] Scores, bool[] Labels) IntermediateStates(double[][] scores, IReadOnlyList<bool> labels)
    {
        var p = scores.SelectMany(s => s.Skip(1)).ToArray();
        var y = scores.SelectMany((s, i) => Enumerable.Repeat(labels[i], Math.Max(0, s.Length - 1))).ToArray();
        return (p, y);
    }
}
