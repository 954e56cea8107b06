using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// The entropy part of the loss of one optimizer minibatch (§B.6, §B.7), one code path for every
/// <see cref="EntropyMode"/>. The learner adds <see cref="LossTerm"/> to the aggregated PG loss and passes the
/// per-token clipped loss through <see cref="ShapeTokenLoss(Tensor, TokenLossInputs)"/> before the IS weight and aggregation.
/// </summary>
public sealed class EntropyRegularizer
{
    public EntropyRegularizer(EntropyRegularizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.Mode))
        {
            throw new ArgumentException($"unknown entropy mode {options.Mode}", nameof(options));
        }
        if (!double.IsFinite(options.BonusCoefficient))
        {
            throw new ArgumentException($"the bonus coefficient must be finite, got {options.BonusCoefficient}", nameof(options));
        }
        Options = options;
    }

    public EntropyRegularizerOptions Options { get; }

    public EntropyMode Mode => Options.Mode;

    /// <summary>Whether the mode needs an <see cref="EntropyScheduler"/>, bucket weights and coefficients.</summary>
    public bool NeedsScheduler => Mode is EntropyMode.Gsec or EntropyMode.AdaptiveGlobal;

    /// <summary>Whether <see cref="ShapeTokenLoss(Tensor, TokenLossInputs)"/> changes anything.</summary>
    public bool ShapesTokenLoss => Mode is EntropyMode.ClipCov or EntropyMode.KlCov or EntropyMode.Forking;

    /// <summary>
    /// The scalar added to the minibatch loss: L_B for <see cref="EntropyMode.Gsec"/> and
    /// <see cref="EntropyMode.AdaptiveGlobal"/> (which must be bucketed with K_B = 1), −c_H·token-mean(H) for
    /// <see cref="EntropyMode.Bonus"/>, and an exact 0 (no graph) otherwise.
    /// </summary>
    /// <param name="tokenEntropy">H_t(θ) [N, T], with grad.</param>
    /// <param name="mask">Response mask [N, T] (used by the bonus).</param>
    /// <param name="weights">ω of this minibatch (scheduler modes).</param>
    /// <param name="coefficients">This learner step's reply from the scheduler (scheduler modes).</param>
    public Tensor LossTerm(Tensor tokenEntropy, Tensor mask, BucketWeights? weights = null, EntropyCoefficients? coefficients = null)
    {
        ArgumentNullException.ThrowIfNull(tokenEntropy);
        switch (Mode)
        {
            case EntropyMode.Bonus:
                return BonusTerm(tokenEntropy, mask, Options.BonusCoefficient);
            case EntropyMode.Gsec:
            case EntropyMode.AdaptiveGlobal:
                if (weights is null || coefficients is null)
                {
                    throw new ArgumentException($"entropy mode {Mode} needs bucket weights and the scheduler's coefficients");
                }
                if (Mode == EntropyMode.AdaptiveGlobal && weights.NumBuckets != 1)
                {
                    throw new ArgumentException($"adaptive-global entropy control is GSEC with one bucket; the weights have {weights.NumBuckets}",
                                                nameof(weights));
                }
                return GsecTerm(tokenEntropy, weights, coefficients);
            default:
                return ZeroLike(tokenEntropy);
        }
    }

    /// <summary>
    /// The per-token loss [N, T] of the mode, from the clipped loss L^clip: Clip-Cov zeroes a few random
    /// high-covariance tokens, Forking zeroes all but the high-entropy tokens, and KL-Cov replaces L^clip altogether by
    /// its own unclipped loss (−A·ρ, plus k·|Δℓ| on the top-covariance tokens); other modes return
    /// <paramref name="clipLoss"/> itself. Aggregate with the unchanged mask.
    /// </summary>
    public Tensor ShapeTokenLoss(Tensor clipLoss, TokenLossInputs inputs) => ShapeTokenLoss(clipLoss, inputs, out _);

    /// <inheritdoc cref="ShapeTokenLoss(Tensor, TokenLossInputs)"/>
    /// <param name="selected">How many tokens the mode picked (a §B.7 monitor): Clip-Cov's zeroed tokens, KL-Cov's
    /// replaced ones; 0 for every other mode.</param>
    public Tensor ShapeTokenLoss(Tensor clipLoss, TokenLossInputs inputs, out long selected)
    {
        selected = 0;
        ArgumentNullException.ThrowIfNull(clipLoss);
        ArgumentNullException.ThrowIfNull(inputs);
        TokenGrid.RequireSameShape(clipLoss, nameof(clipLoss), (inputs.Mask, nameof(inputs.Mask)));
        switch (Mode)
        {
            case EntropyMode.ClipCov:
                var random = new Random(PickSeed(Options.Seed, inputs.LearnerStep, inputs.Minibatch));
                using (var keep = TokenLossShaping.ClipCovKeepMask(inputs.Advantages, inputs.LogpTheta, inputs.Clipped, inputs.Mask,
                    random, Options.CovRatio, Options.ClipCovLower, Options.ClipCovUpper))
                {
                    using (NewDisposeScope()) selected = keep.eq(ConstantScalars.Zero).sum().item<long>();
                    return clipLoss * keep;
                }
            case EntropyMode.KlCov:
                var selection = TokenLossShaping.KlCov(inputs.Advantages, inputs.LogpTheta, inputs.LogpProx, inputs.Mask,
                    Options.CovRatio, Options.KlCovCoefficient);
                using (selection.Selected)
                {
                    selected = selection.Count;
                    return selection.Loss;
                }
            case EntropyMode.Forking:
                var entropy = inputs.TokenEntropy
                    ?? throw new ArgumentException("forking needs the token entropies", nameof(inputs));
                using (var keep = TokenLossShaping.ForkingKeepMask(entropy, inputs.Mask, Options.ForkingQuantile))
                {
                    return clipLoss * keep;
                }
            default:
                return clipLoss;
        }
    }

    /// <summary>
    /// L_B(θ) = −Σ_b α_b Ĥ_b(θ) + Σ_b ν_b Ĥ_b(θ), Ĥ_b = Σ_t ω_t H_t(θ). When every α_b and ν_b is 0 (e.g. λ_max = 0 or
    /// calibration) it is an exact 0 without a graph, so the loss and its gradient equal those of mode <c>none</c>.
    /// </summary>
    public static Tensor GsecTerm(Tensor tokenEntropy, BucketWeights weights, EntropyCoefficients coefficients)
    {
        ArgumentNullException.ThrowIfNull(tokenEntropy);
        ArgumentNullException.ThrowIfNull(weights);
        var netCoefficient = NetCoefficients(coefficients, weights.NumBuckets);
        if (netCoefficient.All(c => c == 0))
        {
            TokenGrid.RequireShape(tokenEntropy, weights.Buckets.Rows, weights.Buckets.Length, nameof(tokenEntropy));
            return ZeroLike(tokenEntropy);
        }

        using var scope = NewDisposeScope();
        var bucketEntropy = GroupSequentialEntropy.BucketEntropies(tokenEntropy, weights);
        var coefficient = tensor(netCoefficient, ScalarType.Float64).to(tokenEntropy.dtype, tokenEntropy.device);
        return (coefficient * bucketEntropy).sum().MoveToOuterDisposeScope();
    }

    /// <summary>−c_H·Σ_t m_t H_t / Σ_t m_t (token mean; 0 for an empty mask).</summary>
    public static Tensor BonusTerm(Tensor tokenEntropy, Tensor mask, double coefficient)
    {
        TokenGrid.RequireSameShape(tokenEntropy, nameof(tokenEntropy), (mask, nameof(mask)));
        if (!double.IsFinite(coefficient))
        {
            throw new ArgumentException($"the bonus coefficient must be finite, got {coefficient}", nameof(coefficient));
        }
        using var scope = NewDisposeScope();
        var m = mask.to(tokenEntropy.dtype, tokenEntropy.device);
        using var negated = (-coefficient).ToScalar();
        var tokenMean = where(m > ConstantScalars.Zero, tokenEntropy, zeros_like(tokenEntropy)).sum() / m.sum().clamp_min(ConstantScalars.One);
        return tokenMean.mul(negated).MoveToOuterDisposeScope();
    }

    // ν_b − α_b per bucket: the sign makes a positive α raise entropy (the loss is minimised).
    private static double[] NetCoefficients(EntropyCoefficients coefficients, int numBuckets)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        if (coefficients.Alpha is null || coefficients.Nu is null
            || coefficients.Alpha.Length != numBuckets || coefficients.Nu.Length != numBuckets)
        {
            throw new ArgumentException($"coefficients for {coefficients.Alpha?.Length} buckets do not match the {numBuckets} " +
                                        $"buckets of the weights", nameof(coefficients));
        }
        var bad = Array.FindIndex(coefficients.Alpha.Concat(coefficients.Nu).ToArray(), c => !double.IsFinite(c) || c < 0);
        if (bad >= 0)
        {
            throw new ArgumentException("entropy coefficients must be finite and ≥ 0", nameof(coefficients));
        }
        return Enumerable.Range(0, numBuckets).Select(b => coefficients.Nu[b] - coefficients.Alpha[b]).ToArray();
    }

    private static Tensor ZeroLike(Tensor tokenEntropy) =>
        zeros([], dtype: tokenEntropy.dtype, device: tokenEntropy.device);

    // A stable (process-independent) seed per (seed, step, minibatch): SplitMix64 finalisation of their mix, so a
    // resumed run draws the same Clip-Cov tokens without persisting a generator.
    private static int PickSeed(int seed, long learnerStep, int minibatch)
    {
        var x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)learnerStep * 0xBF58476D1CE4E5B9UL ^ (ulong)minibatch * 0x94D049BB133111EBUL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return (int)(x & int.MaxValue);
    }
}
