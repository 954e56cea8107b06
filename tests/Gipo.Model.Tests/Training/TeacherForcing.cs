using Gipo.Model.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model.Tests.Training;

/// <summary>
/// Per-token log-probs and entropies of given responses under a policy, from one batched forward: the plain
/// reference the sampler's returned values are checked against (<c>SamplerTests</c>). A test oracle written apart
/// from the product's forward passes (sampler, learner) on purpose, so it lives with the tests.
/// </summary>
internal static class TeacherForcing
{
    /// <summary>
    /// Log-probs [B, T] of each target and full-distribution entropies [B, T], both computed on logits divided
    /// by <paramref name="temperature"/> (zero where <see cref="TokenBatch.LossMask"/> is 0).
    /// </summary>
    public static (Tensor LogProbs, Tensor Entropies) Score(PolicyModel model, TokenBatch batch, double temperature = 1.0)
    {
        using var t = temperature.ToScalar();
        var logits = model.Forward(batch.InputIds, batch.KeyMask).Logits.div(t);
        var logp = F.log_softmax(logits, -1);
        var tokenLogp = logp.gather(-1, batch.Targets.unsqueeze(-1)).squeeze(-1) * batch.LossMask;
        var entropy = -(logp.exp() * logp).sum(-1) * batch.LossMask;
        return (tokenLogp, entropy);
    }

    /// <summary>The response part of row <paramref name="b"/> of a [B, T] per-position tensor, as floats.</summary>
    public static float[] ResponseValues(Tensor perPosition, TokenBatch batch, int b)
    {
        var start = batch.PromptLengths[b] - 1;
        return perPosition[b].narrow(0, start, batch.ResponseLengths[b]).to(float32).cpu().data<float>().ToArray();
    }
}
