using Gipo.Core.Algorithm.InformationBottleneck;
using static TorchSharp.torch;

namespace Gipo.Model.Learning;

/// <summary>
/// What the proximal pass of a learner step (§D.1 step 2) computed under π_prox, before any PPO update: everything the
/// later steps read of the policy the step started from.
/// </summary>
/// <param name="Logp">[N, T] ℓprox of the sampled response tokens (response-aligned, 0 on padding).</param>
/// <param name="Entropy">[N, T] token entropies at τ (0 on padding).</param>
/// <param name="Features">The IB probe's features per trajectory; null without a probe.</param>
/// <param name="RefPotentials">The reference-answer potentials of <c>ref_answer_prob</c>; null otherwise.</param>
/// <param name="FilteredFeatures">The features of the groups only the probe trains on (<c>train-on-filtered</c>).</param>
/// <param name="FilteredLabels">Their success labels.</param>
/// <param name="RefLogp">[N, T] log-probs under the reference policy when β_KL &gt; 0; null otherwise.</param>
internal sealed record ProximalStatistics(
    Tensor Logp, Tensor Entropy, List<StepFeatures>? Features, double[][]? RefPotentials,
    List<StepFeatures> FilteredFeatures, bool[] FilteredLabels, Tensor? RefLogp);
