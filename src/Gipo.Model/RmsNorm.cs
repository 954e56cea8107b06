using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gipo.Model;

/// <summary>Root-mean-square layer norm, computed in float32 as Hugging Face Llama does.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    private readonly double eps;

    public RmsNorm(long size, double eps) : base("rmsnorm")
    {
        weight = new Parameter(ones(size));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var x32 = x.dtype == float32 ? x : x.to(float32);
        // Explicit Scalars held to the end of the call: TorchSharp 0.107 passes an implicit Scalar's handle to native
        // code without keeping the object alive (Tensor + double, and the alpha = 1 of every add), so a GC finalizer can
        // free it mid-call ("toFloat" / "Unknown scalar type" errors under memory pressure). The norm, the residual
        // adds and RoPE run for every layer of every decode step, so they hold theirs.
        using var epsilon = eps.ToScalar();
        using var one = 1.0.ToScalar(); // add(scalar) would make its alpha = 1 implicitly, with the same hazard
        // x·x rather than square(): TorchSharp's square() is pow(2) with an implicit Scalar exponent, the same hazard
        // (it failed a learner forward with "INTERNAL ASSERT FAILED at c10/core/Scalar.h" under load).
        var normed = x32 * (x32 * x32).mean([-1], keepdim: true).add(epsilon, one).rsqrt();
        return weight * (x.dtype == float32 ? normed : normed.to(x.dtype));
    }
}
