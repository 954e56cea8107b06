using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// The per-token loss modifications of §B.7: Clip-Cov, KL-Cov (Cui et al., arXiv 2505.22617) and forking tokens
/// (Wang et al., arXiv 2506.01939). They act on one optimizer minibatch. Token selection runs on the host in float64
/// (it is a no-grad choice of a few indices); the resulting masks and losses live on the inputs' device.
/// </summary>
public static class TokenLossShaping
{
    /// <summary>
    /// Cov_t = (A_t − Ā)(ℓ^θ_t − mean ℓ^θ) on detached values, means over valid tokens; 0 on padding. The sign says
    /// whether a token's update lowers (positive) or raises the policy's entropy under natural policy gradient.
    /// </summary>
    public static double[] Covariance(Tensor advantages, Tensor logpTheta, Tensor mask)
    {
        var (rows, length) = TokenGrid.RequireSameShape(advantages, nameof(advantages), (logpTheta, nameof(logpTheta)), (mask, nameof(mask)));
        var a = TokenGrid.Read(advantages, rows, length, nameof(advantages));
        var l = TokenGrid.Read(logpTheta, rows, length, nameof(logpTheta));
        var valid = TokenGrid.ReadMask(mask, rows, length, nameof(mask));
        return Covariance(a, l, valid);
    }

    /// <summary>
    /// Clip-Cov: among valid tokens not already clipped with lb &lt; Cov_t &lt; ub, picks max(1, ⌊r·N⌋) uniformly at random
    /// (N = valid tokens; fewer if fewer are eligible) and returns a keep mask [N, T] that is 0 on them and 1 elsewhere.
    /// Multiply the per-token PG loss by it.
    /// </summary>
    /// <param name="clipped">Nonzero where the PPO clip is active.</param>
    /// <param name="random">The seeded generator of the pick.</param>
    public static Tensor ClipCovKeepMask(
        Tensor advantages, Tensor logpTheta, Tensor clipped, Tensor mask, Random random,
        double ratio, double lower, double upper)
    {
        ArgumentNullException.ThrowIfNull(random);
        RequireRatio(ratio);
        if (!(lower < upper))
        {
            throw new ArgumentException($"Clip-Cov needs lb < ub, got {lower} and {upper}", nameof(lower));
        }
        var (rows, length) = TokenGrid.RequireSameShape(advantages, nameof(advantages),
            (logpTheta, nameof(logpTheta)), (clipped, nameof(clipped)), (mask, nameof(mask)));
        var valid = TokenGrid.ReadMask(mask, rows, length, nameof(mask));
        var isClipped = TokenGrid.Read(clipped, rows, length, nameof(clipped));
        var cov = Covariance(
            TokenGrid.Read(advantages, rows, length, nameof(advantages)),
            TokenGrid.Read(logpTheta, rows, length, nameof(logpTheta)),
            valid);

        var eligible = Enumerable.Range(0, valid.Length)
            .Where(i => valid[i] && isClipped[i] == 0 && cov[i] > lower && cov[i] < upper)
            .ToArray();
        var keep = Enumerable.Repeat(1.0, valid.Length).ToArray();
        foreach (var i in PickUniformly(eligible, SelectionCount(ratio, valid), random))
        {
            keep[i] = 0;
        }
        return OnDeviceOf(logpTheta, keep, rows, length);
    }

    /// <summary>
    /// KL-Cov (arXiv 2505.22617; veRL <c>compute_policy_loss_kl_cov</c>): no token is clipped; every token's loss is
    /// −A_t·ρ_t, and the top max(1, ⌊r·N⌋) valid tokens by Cov_t (ties: earlier token first) get
    /// −A_t·ρ_t + k·|ℓ^θ_t − ℓ^prox_t|. The result replaces the clipped surrogate (<see cref="KlCovSelection.Loss"/>).
    /// ρ's log-ratio is clamped to ±20 as everywhere in the loss; veRL does not clamp here, which only matters past e^20.
    /// </summary>
    /// <param name="coefficient">k, the |Δlog p| penalty weight.</param>
    public static KlCovSelection KlCov(
        Tensor advantages, Tensor logpTheta, Tensor logpProx, Tensor mask,
        double ratio, double coefficient)
    {
        RequireRatio(ratio);
        if (!double.IsFinite(coefficient) || coefficient < 0)
        {
            throw new ArgumentException($"the KL-Cov coefficient must be finite and ≥ 0, got {coefficient}", nameof(coefficient));
        }
        var (rows, length) = TokenGrid.RequireSameShape(advantages, nameof(advantages),
            (logpTheta, nameof(logpTheta)), (logpProx, nameof(logpProx)), (mask, nameof(mask)));
        var valid = TokenGrid.ReadMask(mask, rows, length, nameof(mask));
        var cov = Covariance(
            TokenGrid.Read(advantages, rows, length, nameof(advantages)),
            TokenGrid.Read(logpTheta, rows, length, nameof(logpTheta)),
            valid);

        var top = Enumerable.Range(0, valid.Length)
            .Where(i => valid[i])
            .OrderByDescending(i => cov[i]) // stable: equal covariances keep token order
            .Take(SelectionCount(ratio, valid))
            .ToArray();
        var selected = new bool[valid.Length];
        foreach (var i in top)
        {
            selected[i] = true;
        }

        using var scope = NewDisposeScope();
        var logRatio = logpTheta - logpProx;
        var selectedTensor = tensor(selected, [rows, length], device: logpTheta.device);
        using var low = (-20).ToScalar();
        using var high = 20.ToScalar();
        using var c = coefficient.ToScalar();
        var loss = (-advantages * logRatio.clamp(low, high).exp())
            .add(logRatio.abs().mul(c) * selectedTensor.to_type(logRatio.dtype), ConstantScalars.One);
        return new KlCovSelection(selectedTensor.MoveToOuterDisposeScope(), loss.MoveToOuterDisposeScope(), top.Length);
    }

    /// <summary>
    /// Forking tokens: a keep mask [N, T] that is 1 where sg(H_t) ≥ the <paramref name="quantile"/> quantile (linear
    /// interpolation, as numpy/torch compute it) of the valid tokens' entropies, 0 elsewhere; ~20% of tokens at 0.8
    /// (more under ties). Multiply the per-token PG loss by it.
    /// </summary>
    public static Tensor ForkingKeepMask(Tensor tokenEntropy, Tensor mask, double quantile = 0.8)
    {
        if (!(quantile is >= 0 and <= 1))
        {
            throw new ArgumentException($"the quantile must be in [0, 1], got {quantile}", nameof(quantile));
        }
        var (rows, length) = TokenGrid.RequireSameShape(tokenEntropy, nameof(tokenEntropy), (mask, nameof(mask)));
        var entropy = TokenGrid.Read(tokenEntropy, rows, length, nameof(tokenEntropy));
        var valid = TokenGrid.ReadMask(mask, rows, length, nameof(mask));
        var validEntropy = entropy.Where((_, i) => valid[i]).ToArray();
        if (validEntropy.Any(h => !double.IsFinite(h)))
        {
            throw new ArgumentException("A valid token has a non-finite entropy", nameof(tokenEntropy));
        }

        var keep = new double[entropy.Length];
        if (validEntropy.Length > 0)
        {
            var threshold = Quantile(validEntropy, quantile);
            for (var i = 0; i < keep.Length; i++)
            {
                keep[i] = valid[i] && entropy[i] >= threshold ? 1 : 0;
            }
        }
        return OnDeviceOf(tokenEntropy, keep, rows, length);
    }

    private static double[] Covariance(double[] advantages, double[] logp, bool[] valid)
    {
        var n = valid.Count(v => v);
        var cov = new double[valid.Length];
        if (n == 0)
        {
            return cov;
        }
        double meanA = 0, meanL = 0;
        for (var i = 0; i < valid.Length; i++)
        {
            if (valid[i])
            {
                meanA += advantages[i];
                meanL += logp[i];
            }
        }
        meanA /= n;
        meanL /= n;
        for (var i = 0; i < valid.Length; i++)
        {
            cov[i] = valid[i] ? (advantages[i] - meanA) * (logp[i] - meanL) : 0;
        }
        return cov;
    }

    // max(1, ⌊r·N⌋) over the N valid tokens, as verl computes it (int(r·N)); none when there is no valid token.
    private static int SelectionCount(double ratio, bool[] valid)
    {
        var n = valid.Count(v => v);
        return n == 0 ? 0 : Math.Max(1, (int)Math.Floor(ratio * n));
    }

    // A partial Fisher–Yates shuffle: the first `count` entries are a uniform sample without replacement.
    private static IEnumerable<int> PickUniformly(int[] candidates, int count, Random random)
    {
        var pool = (int[])candidates.Clone();
        var take = Math.Min(count, pool.Length);
        for (var j = 0; j < take; j++)
        {
            var swap = random.Next(j, pool.Length);
            (pool[j], pool[swap]) = (pool[swap], pool[j]);
        }
        return pool.Take(take);
    }

    private static double Quantile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    private static Tensor OnDeviceOf(Tensor like, double[] values, int rows, int length)
    {
        using var scope = NewDisposeScope();
        return tensor(values, [rows, length], ScalarType.Float64).to(like.dtype, like.device).MoveToOuterDisposeScope();
    }

    private static void RequireRatio(double ratio)
    {
        if (!(ratio is > 0 and <= 1))
        {
            throw new ArgumentException($"the covariance ratio r must be in (0, 1], got {ratio}", nameof(ratio));
        }
    }
}
