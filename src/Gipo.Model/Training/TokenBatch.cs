using static TorchSharp.torch;

namespace Gipo.Model.Training;

/// <summary>
/// Prompt+response sequences packed left-aligned and right-padded into one batch for a teacher-forced forward.
/// <see cref="LossMask"/> marks the positions whose logits predict a response token.
/// </summary>
public sealed class TokenBatch : IDisposable
{
    /// <summary>Token ids [B, T].</summary>
    public required Tensor InputIds { get; init; }
    /// <summary>1 on real tokens, 0 on padding [B, T].</summary>
    public required Tensor KeyMask { get; init; }
    /// <summary>Next-token targets [B, T] (input shifted left; pad where there is none).</summary>
    public required Tensor Targets { get; init; }
    /// <summary>1.0 where position t predicts a response token, else 0 [B, T] (float32).</summary>
    public required Tensor LossMask { get; init; }
    public required int[] PromptLengths { get; init; }
    public required int[] ResponseLengths { get; init; }

    /// <summary>Packs the pairs; sequences longer than <paramref name="maxLength"/> are an error, not silently cut.</summary>
    public static TokenBatch Create(IReadOnlyList<(IReadOnlyList<int> Prompt, IReadOnlyList<int> Response)> pairs, int padId, Device device,
                                    int? maxLength = null)
    {
        if (pairs.Count == 0) throw new ArgumentException("empty batch");
        var width = pairs.Max(p => p.Prompt.Count + p.Response.Count);
        if (maxLength is { } max && width > max)
            throw new ArgumentException($"a sequence has {width} tokens, more than the model's {max} positions");
        var batch = pairs.Count;
        var ids = new long[batch * width];
        var mask = new long[batch * width];
        var targets = new long[batch * width];
        var loss = new float[batch * width];
        Array.Fill(ids, padId);
        Array.Fill(targets, padId);
        for (var b = 0; b < batch; b++)
        {
            var (prompt, response) = pairs[b];
            if (prompt.Count == 0) throw new ArgumentException($"sequence {b} has an empty prompt");
            var seq = prompt.Concat(response).ToArray();
            for (var t = 0; t < seq.Length; t++)
            {
                ids[b * width + t] = seq[t];
                mask[b * width + t] = 1;
                if (t + 1 < seq.Length) targets[b * width + t] = seq[t + 1];
                if (t >= prompt.Count - 1 && t + 1 < seq.Length) loss[b * width + t] = 1f;
            }
        }
        return new TokenBatch
        {
            InputIds = tensor(ids, [batch, width], device: device),
            KeyMask = tensor(mask, [batch, width], device: device),
            Targets = tensor(targets, [batch, width], device: device),
            LossMask = tensor(loss, [batch, width], device: device),
            PromptLengths = pairs.Select(p => p.Prompt.Count).ToArray(),
            ResponseLengths = pairs.Select(p => p.Response.Count).ToArray(),
        };
    }

    public void Dispose()
    {
        InputIds.Dispose();
        KeyMask.Dispose();
        Targets.Dispose();
        LossMask.Dispose();
    }
}
