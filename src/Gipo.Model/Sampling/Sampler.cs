using Gipo.Core;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model.Sampling;

/// <summary>
/// Batched autoregressive generation with a preallocated KV cache. Prompts are left-padded to a common length so
/// that all sequences write the cache at the same position; padding is masked out of attention and RoPE positions
/// count real tokens only. Random draws come from a counter-based generator keyed by (seed, step), so a sequence's
/// tokens depend on its seed and the weights, not on which other sequences share its batch.
/// </summary>
public sealed class Sampler
{
    private readonly PolicyModel model;
    private readonly long[] eosIds;
    private readonly int padId;

    /// <param name="model">The policy; its weights are only read.</param>
    /// <param name="eosIds">Token ids that end a sequence (included in the output).</param>
    /// <param name="padId">Id used for left padding of prompts and for positions after EOS.</param>
    public Sampler(PolicyModel model, IEnumerable<int> eosIds, int padId)
    {
        this.model = model;
        this.eosIds = eosIds.Select(i => (long)i).ToArray();
        if (this.eosIds.Length == 0) throw new ArgumentException("at least one EOS id is needed");
        this.padId = padId;
    }

    /// <summary>
    /// Completes every request. When <paramref name="captureHiddenAfter"/> is given, each sequence also returns the
    /// hidden state at the last prompt token, after every generated token in that set (step boundaries), and after
    /// its final token.
    /// </summary>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<GenerationRequest> requests, SamplingOptions options,
                                                     IReadOnlySet<int>? captureHiddenAfter = null)
    {
        options.Validate();
        if (requests.Count == 0) return [];
        foreach (var r in requests)
        {
            if (r.PromptIds.Count == 0) throw new ArgumentException("a prompt must have at least one token");
            if (r.PromptIds.Any(id => id < 0 || id >= model.Config.VocabSize))
                throw new ArgumentException($"prompt token id outside the vocabulary (0..{model.Config.VocabSize - 1})");
        }

        var batch = requests.Count;
        var promptLen = requests.Max(r => r.PromptIds.Count);
        var maxNew = options.MaxNewTokens;
        var total = promptLen + maxNew;
        if (total > model.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"prompt ({promptLen} tokens) + max new tokens ({maxNew}) exceed the model's " +
                                        $"{model.Config.MaxPositionEmbeddings} positions");
        using var scope = NewDisposeScope(); // from here on every tensor, the weight wrapper behind Device too
        var device = model.Device;
        var capture = captureHiddenAfter is not null;
        var padded = requests.Any(r => r.PromptIds.Count < promptLen);
        using var noGrad = no_grad();
        using var cache = model.NewCache(batch, total);

        // Left padding; every generated position is marked real. A row that has finished keeps decoding tokens
        // that are cut off on the host afterwards: cheaper than masking finished rows on the device every step.
        var prompt = new long[batch * promptLen];
        var mask = new long[batch * total];
        for (var b = 0; b < batch; b++)
        {
            var ids = requests[b].PromptIds;
            var pad = promptLen - ids.Count;
            for (var j = 0; j < total; j++)
            {
                if (j < promptLen) prompt[b * promptLen + j] = j < pad ? padId : ids[j - pad];
                mask[b * total + j] = j < pad ? 0 : 1;
            }
        }
        // Without padding the mask is all ones: attention then needs no mask and RoPE positions are the cache offsets.
        var keyMask = padded ? tensor(mask, [batch, total], device: device) : null;
        var lengths = padded ? tensor(requests.Select(r => (long)r.PromptIds.Count).ToArray(), device: device).unsqueeze(1) : null;
        var eos = tensor(eosIds, device: device);
        var uniforms = tensor(Uniforms(requests, maxNew), [batch, maxNew], float32, device);

        var output = model.Forward(tensor(prompt, [batch, promptLen], device: device), keyMask?.narrow(1, 0, promptLen), cache: cache);
        var logits = output.Logits.select(1, -1);
        var promptHidden = capture ? output.Hidden.select(1, -1).to(float32).cpu() : null;

        var tokens = empty([batch, maxNew], int64, device);
        var logProbs = empty([batch, maxNew], float32, device);
        var entropies = empty([batch, maxNew], float32, device);
        var hidden = capture ? zeros([batch, maxNew, model.Config.HiddenSize], float32, device) : null;
        var finished = zeros([batch, 1], @bool, device);
        // On a GPU each host read stalls the pipeline, so "all finished?" is asked every few steps only.
        var checkEvery = device.type == DeviceType.CUDA ? 8 : 1;

        var steps = 0;
        for (var s = 0; s < maxNew; s++)
        {
            var (token, lp, entropy) = Draw(logits, uniforms.narrow(1, s, 1), options);
            tokens.narrow(1, s, 1).copy_(token);
            logProbs.narrow(1, s, 1).copy_(lp);
            entropies.narrow(1, s, 1).copy_(entropy);
            steps = s + 1;
            if (s == maxNew - 1 && !capture) break;
            if (!options.IgnoreEos)
            {
                finished.logical_or_(isin(token, eos));
                if (!capture && (s + 1) % checkEvery == 0 && finished.all().item<bool>()) break;
            }

            using var offset = s.ToScalar();
            var step = model.Forward(token, keyMask?.narrow(1, 0, promptLen + s + 1), lengths?.add(offset, ConstantScalars.One), cache);
            logits = step.Logits.select(1, 0);
            hidden?.narrow(1, s, 1).copy_(step.Hidden.to(float32));
            if (capture && !options.IgnoreEos && finished.all().item<bool>()) break;
        }

        var tokenHost = tokens.narrow(1, 0, steps).cpu().data<long>().ToArray();
        var lpHost = logProbs.narrow(1, 0, steps).cpu().data<float>().ToArray();
        var entHost = entropies.narrow(1, 0, steps).cpu().data<float>().ToArray();
        var hiddenHost = hidden?.cpu();
        var eosSet = eosIds.ToHashSet();

        var results = new GeneratedSequence[batch];
        for (var b = 0; b < batch; b++)
        {
            var n = 0;
            var stopped = false;
            while (n < steps)
            {
                var id = tokenHost[b * steps + n++];
                if (!options.IgnoreEos && eosSet.Contains(id)) { stopped = true; break; }
            }
            var ids = new int[n];
            for (var j = 0; j < n; j++) ids[j] = (int)tokenHost[b * steps + j];
            var states = new List<HiddenState>();
            if (capture)
            {
                states.Add(new HiddenState(-1, promptHidden![b].data<float>().ToArray()));
                for (var j = 0; j < n; j++)
                    if (captureHiddenAfter!.Contains(ids[j]) || j == n - 1)
                        states.Add(new HiddenState(j, hiddenHost![b][j].data<float>().ToArray()));
            }
            results[b] = new GeneratedSequence(requests[b].PromptIds, ids,
                lpHost.AsSpan(b * steps, n).ToArray(), entHost.AsSpan(b * steps, n).ToArray(), stopped, states);
        }
        return results;
    }

    /// <summary>
    /// Picks one token per row from next-token logits [B, V] with uniforms [B, 1]. Returns, each [B, 1], the token,
    /// its log-prob under the distribution it was drawn from (temperature-scaled, truncated when top-p/top-k are on)
    /// and the full-distribution entropy.
    /// </summary>
    internal static (Tensor Token, Tensor LogProb, Tensor Entropy) Draw(Tensor logits, Tensor uniform, SamplingOptions o)
    {
        // Explicit Scalar kept alive through the call (see RmsNorm.forward).
        using var temperature = o.EffectiveTemperature.ToScalar();
        var z = o.EffectiveTemperature == 1.0 ? logits : logits.div(temperature);
        var logp = F.log_softmax(z, -1);
        var probs = logp.exp();
        var entropy = -(probs * logp).sum(-1, keepdim: true);
        if (o.Greedy)
        {
            var best = z.argmax(-1, keepdim: true);
            return (best, logp.gather(-1, best), entropy);
        }
        if (o.TopP >= 1.0 && o.TopK == 0)
        {
            var token = InverseCdf(probs, uniform);
            return (token, logp.gather(-1, token), entropy);
        }

        var (sorted, order) = logp.sort(-1, descending: true);
        var keep = ones_like(sorted, @bool);
        if (o.TopK > 0 && o.TopK < sorted.shape[^1])
        {
            using var vocabulary = sorted.shape[^1].ToScalar();
            using var topK = o.TopK.ToScalar();
            keep = keep & (arange(ConstantScalars.Zero, vocabulary, ConstantScalars.One, device: sorted.device) < topK).unsqueeze(0);
        }
        if (o.TopP < 1.0)
        {
            // Keep the smallest prefix whose mass reaches top-p: a token stays if the mass before it is < top-p.
            var sortedProbs = sorted.exp();
            using var topP = o.TopP.ToScalar();
            keep = keep & (sortedProbs.cumsum(-1) - sortedProbs < topP);
        }
        using var negativeInfinity = double.NegativeInfinity.ToScalar();
        var truncated = F.log_softmax(sorted.masked_fill(keep.logical_not(), negativeInfinity), -1);
        var pick = InverseCdf(truncated.exp(), uniform);
        return (order.gather(-1, pick), truncated.gather(-1, pick), entropy);
    }

    /// <summary>Index [B, 1] of the first cumulative probability above u·total, per row; <paramref name="uniform"/> is [B, 1].</summary>
    private static Tensor InverseCdf(Tensor probs, Tensor uniform)
    {
        var cdf = probs.cumsum(-1);
        var index = searchsorted(cdf, uniform * cdf.narrow(-1, cdf.shape[^1] - 1, 1), right: true);
        // Rounding can put u·total at the very end; never return a zero-probability tail token.
        using var last = (probs.shape[^1] - 1).ToScalar();
        return index.clamp_max_(last);
    }

    /// <summary>Uniform draws in [0, 1) for every (sequence, step): SplitMix64 of the seed and the step.</summary>
    private static double[] Uniforms(IReadOnlyList<GenerationRequest> requests, int steps)
    {
        var u = new double[requests.Count * steps];
        for (var b = 0; b < requests.Count; b++)
            for (var s = 0; s < steps; s++)
                u[b * steps + s] = CounterRandom.Uniform(requests[b].Seed, (ulong)s);
        return u;
    }
}
