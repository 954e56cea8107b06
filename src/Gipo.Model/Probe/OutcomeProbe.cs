using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Model.Probe;

/// <summary>
/// A head that maps state features u [N, D] to the success logit of q(y = 1 | u). Its input is always detached:
/// the policy may influence the probe only through the tokens it emits (§C.3, §C.8).
/// </summary>
public abstract class OutcomeProbe : nn.Module
{
    protected OutcomeProbe(string name) : base(name) { }

    /// <summary>D, the width of u.</summary>
    public abstract int InputSize { get; }

    /// <summary>The deterministic success logit [N] used for scoring (for the VIB, z = μ).</summary>
    public abstract Tensor Logits(Tensor u);

    /// <summary>
    /// The training loss Σw[BCE(logit, y) + β·KL]/Σw over <paramref name="u"/> [N, D], labels <paramref name="y"/> [N]
    /// in {0, 1} and weights <paramref name="weights"/> [N]. A weighted <em>mean</em>, so a minibatch's gradient does
    /// not shrink with its share of the batch; over a whole batch whose weights ν sum to 1 it is L_IB of §C.4.
    /// <paramref name="generator"/> draws any noise (null: the global torch generator).
    /// </summary>
    public abstract ProbeLoss Loss(Tensor u, Tensor y, Tensor weights, double betaIb, Generator? generator = null);

    /// <summary>p̂ = q(y = 1 | u) [N] float32, without gradient.</summary>
    public Tensor Score(Tensor u)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return Logits(RequireInput(u)).sigmoid().MoveToOuterDisposeScope();
    }

    /// <summary>u detached, as float32, checked to be [N, D].</summary>
    protected Tensor RequireInput(Tensor u)
    {
        if (u.dim() != 2 || u.shape[1] != InputSize)
            throw new ArgumentException($"expected features [N, {InputSize}], got [{string.Join(", ", u.shape)}]", nameof(u));
        return u.detach().to(float32);
    }

    /// <summary>Σw·x/Σw for per-state values x [N] and weights w [N].</summary>
    protected static Tensor WeightedMean(Tensor values, Tensor weights) => (values * weights).sum() / weights.sum();

    /// <summary>Fills every parameter from U(−1/√fan_in, 1/√fan_in), PyTorch's Linear default, from a private seed.</summary>
    protected void InitUniform(long seed)
    {
        using var _ = no_grad();
        using var generator = new Generator((ulong)seed);
        foreach (var module in modules().OfType<TorchSharp.Modules.Linear>())
        {
            var bound = 1 / Math.Sqrt(module.in_features);
            foreach (var p in module.parameters())
                p.copy_((rand(p.shape, generator: generator) * 2 - 1) * bound);
        }
    }
}
