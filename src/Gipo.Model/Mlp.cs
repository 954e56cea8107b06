using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) * up(x)), gate and up fused into one matmul.</summary>
internal sealed class Mlp : nn.Module<Tensor, Tensor>
{
    public readonly Linear gate_up_proj;
    public readonly Linear down_proj;
    private readonly long intermediate;

    public Mlp(ModelConfig c) : base("mlp")
    {
        intermediate = c.IntermediateSize;
        gate_up_proj = nn.Linear(c.HiddenSize, 2L * c.IntermediateSize, hasBias: false);
        down_proj = nn.Linear(c.IntermediateSize, c.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var gu = gate_up_proj.forward(x);
        return down_proj.forward(F.silu(gu.narrow(-1, 0, intermediate)) * gu.narrow(-1, intermediate, intermediate));
    }
}
