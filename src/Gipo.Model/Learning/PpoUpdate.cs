using Gipo.Core.Algorithm.Objective;

namespace Gipo.Model.Learning;

/// <summary>What the PPO minibatches of a learner step (§D.1 steps 5–6) report.</summary>
/// <param name="Loss">The policy-loss metrics averaged over the minibatches (the largest importance weight: their maximum).</param>
/// <param name="EntropyTerm">The entropy term's mean over the minibatches.</param>
/// <param name="GradNorm">The last minibatch's global gradient norm before clipping.</param>
/// <param name="EntropyGradShare">‖∇θ L_B‖ / ‖∇θ L‖ on the first minibatch; null when its gradient norm was 0.</param>
/// <param name="CovSelected">Tokens Clip-Cov or KL-Cov picked over the step.</param>
/// <param name="IbPolicyLoss">The mean ζ-free L_IB of the <c>backprop_to_policy</c> ablation; null otherwise.</param>
internal sealed record PpoUpdate(
    PolicyLossMetrics Loss, double EntropyTerm, double GradNorm, double? EntropyGradShare, long CovSelected, double? IbPolicyLoss);
