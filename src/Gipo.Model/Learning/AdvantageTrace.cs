using Gipo.Model.Probe;

namespace Gipo.Model.Learning;

/// <summary>
/// The advantages one learner step trained on, for <see cref="GipoLearner.AdvantageObserver"/>. Trajectories are in
/// batch order (groups, then their members).
/// </summary>
/// <param name="LearnerStep">The step as <see cref="LearnerStepMetrics.Step"/> numbers it (1 for the first).</param>
/// <param name="Tokens">A_t over each trajectory's response tokens, as the PPO minibatches saw them.</param>
/// <param name="Outcome">A_out per trajectory (§A.2): what every token of it takes without IB credit, i.e. under DAPO.</param>
/// <param name="Score">The Φ source's verdict the IB credit came from; null when IB is off.</param>
public sealed record AdvantageTrace(long LearnerStep, float[][] Tokens, double[] Outcome, IbScoreResult? Score)
{
    /// <summary>A^IB per reasoning step of each trajectory (§C.7, before clipping and blending); null when IB is off.</summary>
    public double[][]? IbStepCredit { get; init; }
}
