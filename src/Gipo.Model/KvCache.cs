using static TorchSharp.torch;

namespace Gipo.Model;

/// <summary>
/// Keys and values of every layer, preallocated once as [batch, kv_heads, max_length, head_dim] and written in
/// place as decoding advances, so a decode step allocates nothing proportional to the sequence length.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    public KvCache(int layers, long batch, int kvHeads, long maxLength, int headDim, ScalarType dtype, Device device)
    {
        keys = new Tensor[layers];
        values = new Tensor[layers];
        for (var i = 0; i < layers; i++)
        {
            keys[i] = zeros([batch, kvHeads, maxLength, headDim], dtype, device);
            values[i] = zeros([batch, kvHeads, maxLength, headDim], dtype, device);
        }
        MaxLength = maxLength;
    }

    /// <summary>Positions filled so far (same for every sequence: prompts are left-padded to a common length).</summary>
    public long Length { get; private set; }

    public long MaxLength { get; }

    /// <summary>Writes k/v [B, kvH, T, hd] at <paramref name="start"/> and returns views of positions [0, start+T).</summary>
    internal (Tensor Keys, Tensor Values) Write(int layer, long start, Tensor k, Tensor v)
    {
        var t = k.shape[2];
        if (start + t > MaxLength)
            throw new InvalidOperationException($"KV cache overflow: {start + t} positions > capacity {MaxLength}");
        keys[layer].narrow(2, start, t).copy_(k);
        values[layer].narrow(2, start, t).copy_(v);
        return (keys[layer].narrow(2, 0, start + t), values[layer].narrow(2, 0, start + t));
    }

    internal void Advance(long t) => Length += t;

    public void Dispose()
    {
        foreach (var t in keys.Concat(values)) t.Dispose();
    }
}
