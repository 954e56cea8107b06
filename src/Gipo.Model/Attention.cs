using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model;

/// <summary>Grouped-query self-attention with rotary position embeddings and an optional in-place KV cache.</summary>
internal sealed class Attention : nn.Module
{
    public readonly Linear qkv_proj;
    public readonly Linear o_proj;
    private readonly int heads, kvHeads, headDim;

    public Attention(ModelConfig c) : base("attention")
    {
        (heads, kvHeads, headDim) = (c.NumHeads, c.NumKvHeads, c.HeadDim);
        qkv_proj = nn.Linear(c.HiddenSize, (heads + 2L * kvHeads) * headDim, hasBias: c.QkvBias);
        o_proj = nn.Linear((long)heads * headDim, c.HiddenSize, hasBias: c.OutputBias);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache, int layer, long start)
    {
        var (b, t) = (x.shape[0], x.shape[1]);
        var qkv = qkv_proj.forward(x).view(b, t, heads + 2 * kvHeads, headDim).transpose(1, 2);
        // RoPE on q and k together: x·cos + rotate_half(x)·sin, with rotate_half folded into a roll and a signed sin.
        var qk = qkv.narrow(1, 0, heads + kvHeads);
        using var one = 1.0.ToScalar(); // explicit alpha kept alive (see RmsNorm.forward)
        qk = (qk * cos).add(qk.roll(headDim / 2, -1) * sin, one);
        var q = qk.narrow(1, 0, heads);
        var k = qk.narrow(1, heads, kvHeads);
        var v = qkv.narrow(1, heads + kvHeads, kvHeads);
        if (cache is not null) (k, v) = cache.Write(layer, start, k, v);
        if (kvHeads != heads)
        {
            // HF's repeat_kv: each kv head serves heads/kvHeads consecutive query heads.
            k = k.repeat_interleave(heads / kvHeads, dim: 1);
            v = v.repeat_interleave(heads / kvHeads, dim: 1);
        }
        var y = F.scaled_dot_product_attention(q, k, v, mask, 0.0, is_casual: mask is null && t > 1);
        return o_proj.forward(y.transpose(1, 2).reshape(b, t, heads * headDim));
    }
}
