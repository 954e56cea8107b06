using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Model.Probe;
using static TorchSharp.torch;

namespace Gipo.Model.Learning;

/// <summary>The advantages a learner step trains on (§D.1 step 4) and the IB monitors computed on the way.</summary>
/// <param name="Tokens">[N, T] per-token advantages: A^out, blended with the IB step credit when there is a score.</param>
/// <param name="IbScore">The batch's out-of-sample IB score (AUROC, trust gate); null when IB is off.</param>
/// <param name="SignFlip">Fraction of response tokens whose advantage sign the blend flipped.</param>
/// <param name="Credit">The mean step credit of failing and succeeding trajectories; null without a score.</param>
/// <param name="Ranking">Within-group and per-step-position AUROC of the intermediate scores; null without a score.</param>
/// <param name="Trace">The host copy for <see cref="GipoLearner.AdvantageObserver"/>; null when none is set.</param>
internal sealed record StepAdvantages(
    Tensor Tokens, IbScoreResult? IbScore, double SignFlip, IbCreditSplit? Credit, (WithinGroupAuroc WithinGroup, double[] ByStep)? Ranking,
    AdvantageTrace? Trace);
