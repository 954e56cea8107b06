using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Model;

/// <summary>One pre-norm transformer block.</summary>
internal sealed class DecoderLayer : nn.Module
{
    public readonly RmsNorm input_layernorm;
    public readonly Attention self_attn;
    public readonly RmsNorm post_attention_layernorm;
    public readonly Mlp mlp;

    public DecoderLayer(ModelConfig c) : base("layer")
    {
        input_layernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        self_attn = new Attention(c);
        post_attention_layernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        mlp = new Mlp(c);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache, int layer, long start)
    {
        using var one = 1.0.ToScalar(); // explicit alpha kept alive (see RmsNorm.forward)
        x = x.add(self_attn.Forward(input_layernorm.forward(x), cos, sin, mask, cache, layer, start), one);
        return x.add(mlp.forward(post_attention_layernorm.forward(x)), one);
    }
}
