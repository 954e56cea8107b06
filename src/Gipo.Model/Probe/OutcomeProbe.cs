using Gipo.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Model.Probe;

/// <summary>
/// A head that maps state features u [N, D] to the success logit of q(y = 1 | u). Its input is detached: the policy
/// may influence the probe only through the tokens it emits (§C.3, §C.8). The one exception is
/// <see cref="LossThroughInput"/>, for the <c>ib.backprop_to_policy</c> ablation.
/// </summary>
public abstract class OutcomeProbe : nn.Module
{
    protected OutcomeProbe(string name) : base(name) { }

    /// <summary>D, the width of u.</summary>
    public abstract int InputSize { get; }

    /// <summary>The deterministic success logit [N] used for scoring (for the VIB, z = μ).</summary>
    public Tensor Logits(Tensor u) => LogitsOf(RequireInput(u));

    /// <summary>
    /// The training loss Σw[BCE(logit, y) + β·KL]/Σw over <paramref name="u"/> [N, D], labels <paramref name="y"/> [N]
    /// in {0, 1} and weights <paramref name="weights"/> [N]. A weighted <em>mean</em>, so a minibatch's gradient does
    /// not shrink with its share of the batch; over a whole batch whose weights ν sum to 1 it is L_IB of §C.4.
    /// <paramref name="generator"/> draws any noise (null: the global torch generator).
    /// </summary>
    public ProbeLoss Loss(Tensor u, Tensor y, Tensor weights, double betaIb, Generator? generator = null) =>
        LossOf(RequireInput(u), y, weights, betaIb, generator);

    /// <summary>
    /// <see cref="Loss"/> without detaching <paramref name="u"/>, so its gradient flows back into whatever computed u
    /// (<c>ib.backprop_to_policy</c>, §C.9). The probe's own parameters still receive gradient unless the caller
    /// freezes them.
    /// </summary>
    public ProbeLoss LossThroughInput(Tensor u, Tensor y, Tensor weights, double betaIb, Generator? generator = null) =>
        LossOf(RequireShape(u).to(float32), y, weights, betaIb, generator);

    /// <summary>The logit of u [N, D] (float32, shape checked); gradient flows into u if it carries any.</summary>
    protected abstract Tensor LogitsOf(Tensor u);

    /// <summary>The loss of <see cref="Loss"/> on u [N, D] (float32, shape checked), not detaching it.</summary>
    protected abstract ProbeLoss LossOf(Tensor u, Tensor y, Tensor weights, double betaIb, Generator? generator);

    /// <summary>p̂ = q(y = 1 | u) [N] float32, without gradient.</summary>
    public Tensor Score(Tensor u)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return Logits(RequireInput(u)).sigmoid().MoveToOuterDisposeScope();
    }

    /// <summary>u detached, as float32, checked to be [N, D].</summary>
    protected Tensor RequireInput(Tensor u) => RequireShape(u).detach().to(float32);

    private Tensor RequireShape(Tensor u)
    {
        if (u.dim() != 2 || u.shape[1] != InputSize)
            throw new ArgumentException($"expected features [N, {InputSize}], got [{string.Join(", ", u.shape)}]", nameof(u));
        return u;
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
            {
                using var scale = bound.ToScalar();
                p.copy_(rand(p.shape, generator: generator).mul(ConstantScalars.Two).sub(ConstantScalars.One).mul(scale));
            }
        }
    }
}
