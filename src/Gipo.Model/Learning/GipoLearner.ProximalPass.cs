using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.InformationBottleneck;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model.Learning;

// Step 2 (§D.1): the proximal pass, every no-grad forward of π_prox, all before the PPO updates move θ.
public sealed partial class GipoLearner
{
    /// <summary>
    /// One no-grad forward over the batch gives ℓprox, the token entropies and the IB features; then the
    /// reference-answer potentials (<c>ref_answer_prob</c>), the filtered groups' features (<c>train-on-filtered</c>)
    /// and the reference policy's log-probs (β_KL &gt; 0).
    /// </summary>
    private ProximalStatistics ProximalPass(LearnerRows rows, int[][] stepIndex, IReadOnlyList<ScoredGroup> probeOnly)
    {
        policy.eval();
        Tensor proxLogp, proxEntropy;
        List<StepFeatures>? features = null;
        using (no_grad())
        {
            var (logits, hidden) = Forward(policy, rows);
            (proxLogp, proxEntropy) = TokenStats(logits, rows);
            if (Ib is not null) features = Features(logits, hidden, rows, stepIndex);
        }
        // Further π_prox forwards, all before any PPO update moves θ.
        var refPotentials = RefAnswer?.Potentials(policy, RefAnswerInputs(rows, stepIndex));
        var (filteredFeatures, filteredLabels) = probeOnly.Count > 0 ? ProbeOnlyStates(probeOnly) : ([], []);
        var refLogp = settings.Loss.KlBeta > 0 ? ReferenceLogp(rows) : null;
        return new ProximalStatistics(proxLogp, proxEntropy, features, refPotentials, filteredFeatures, filteredLabels, refLogp);
    }

    /// <summary>
    /// The π_prox features and labels of groups the probe trains on but the policy never sees (ib.train_on_filtered):
    /// their own no-grad forward, freed as soon as the features are taken.
    /// </summary>
    private (List<StepFeatures> Features, bool[] Labels) ProbeOnlyStates(IReadOnlyList<ScoredGroup> groups)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var rows = LearnerRows.Build(groups, settings, policy.Device);
        var stepIndex = StepIndices(rows, Segment(rows));
        var (logits, hidden) = Forward(policy, rows);
        return (Features(logits, hidden, rows, stepIndex), rows.Success);
    }

    private List<StepFeatures> Features(Tensor logits, Tensor hidden, LearnerRows rows, int[][] stepIndex)
    {
        var result = new List<StepFeatures>(rows.Count);
        for (var n = 0; n < rows.Count; n++)
        {
            var t = rows.Trajectories[n];
            var length = t.ResponseTokens.Length;
            var stepOfToken = stepIndex[n];
            // Logits that predict response token j sit at sequence position promptLength − 1 + j.
            var rowLogits = logits[n].narrow(0, t.PromptTokens.Length - 1, length);
            using var confidence = TokenConfidence.FromLogits(rowLogits,
                tensor(t.ResponseTokens.Select(x => (long)x).ToArray(), device: logits.device), settings.Temperature);
            var positions = tensor(StatePositions(rows, stepIndex, n), device: hidden.device);
            var f = ConfidenceFeatures.Build(hidden[n].index_select(0, positions).to(float32), confidence, stepOfToken, settings.Buckets);
            result.Add(new StepFeatures(f.Hidden.DetachFromDisposeScope(), f.Confidence.DetachFromDisposeScope(),
                                        f.Position.DetachFromDisposeScope()));
        }
        return result;
    }

    private Tensor ReferenceLogp(LearnerRows rows)
    {
        using var _ = no_grad();
        var (logits, _) = Forward(reference!, rows);
        return TokenStats(logits, rows).Logp;
    }

    private static (Tensor Logits, Tensor Hidden) Forward(PolicyModel model, LearnerRows rows, Tensor? index = null)
    {
        var ids = index is null ? rows.Batch.InputIds : rows.Batch.InputIds.index_select(0, index);
        var keyMask = index is null ? rows.Batch.KeyMask : rows.Batch.KeyMask.index_select(0, index);
        var output = model.Forward(ids, keyMask);
        return (output.Logits, output.Hidden);
    }

    /// <summary>Response-aligned [N, T] log-probs of the sampled tokens and full-distribution entropies at τ.</summary>
    private (Tensor Logp, Tensor Entropy) TokenStats(Tensor logits, LearnerRows rows, Tensor? index = null)
    {
        using var temperature = settings.Temperature.ToScalar();
        var z = settings.Temperature == 1.0 ? logits : logits.div(temperature);
        var logp = F.log_softmax(z, -1);
        var targets = index is null ? rows.Batch.Targets : rows.Batch.Targets.index_select(0, index);
        var gather = index is null ? rows.ResponseIndex : rows.ResponseIndex.index_select(0, index);
        var mask = index is null ? rows.Mask : rows.Mask.index_select(0, index);
        var tokenLogp = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1).gather(1, gather) * mask;
        var entropy = TokenEntropy.FromLogits(logits, settings.Temperature).gather(1, gather) * mask;
        return (tokenLogp, entropy);
    }
}
