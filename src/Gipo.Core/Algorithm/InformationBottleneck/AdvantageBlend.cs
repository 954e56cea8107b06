using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// Token-level GIPO advantage (§C.7): A_t = (1 − w_eff)·A_out + w_eff·clip(A^IB_{k(t)}, −c, c)/s_g for t ∈ S_k.
/// Every token of a step takes that step's credit; padding (step index −1) gets 0. With w_eff = 0 the result is
/// A_out bit for bit, which is what lets GIPO with the gate shut reproduce the base method exactly.
/// </summary>
public static class AdvantageBlend
{
    /// <summary>Ā^IB_k = clip(A^IB_k, −c, c)/s_g for each step (element k−1 for step k).</summary>
    public static double[] ScaledStepAdvantages(IReadOnlyList<double> stepAdvantages, double clip, double scale)
    {
        ArgumentNullException.ThrowIfNull(stepAdvantages);
        if (!(clip > 0)) throw new ArgumentOutOfRangeException(nameof(clip), clip, "c_ib must be positive");
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "s_g must be positive");
        return stepAdvantages.Select(a => Math.Clamp(a, -clip, clip) / scale).ToArray();
    }

    /// <summary>
    /// Per-token advantages of one trajectory (length T): <paramref name="stepOfToken"/> holds each token's zero-based
    /// step index (−1 on padding) and <paramref name="stepAdvantages"/> A^IB_1..A^IB_K.
    /// </summary>
    public static double[] TokenAdvantages(double outcomeAdvantage, IReadOnlyList<double> stepAdvantages,
        ReadOnlySpan<int> stepOfToken, GroupBlend blend, double clip)
    {
        var scaled = ScaledStepAdvantages(stepAdvantages, clip, blend.Scale);
        var result = new double[stepOfToken.Length];
        for (var t = 0; t < result.Length; t++)
        {
            var step = stepOfToken[t];
            if (step < 0) continue;
            if (step >= scaled.Length) throw new ArgumentException($"token {t} is in step {step + 1} of {scaled.Length}", nameof(stepOfToken));
            result[t] = blend.Weight == 0 ? outcomeAdvantage : (1 - blend.Weight) * outcomeAdvantage + blend.Weight * scaled[step];
        }
        return result;
    }

    /// <summary>
    /// Per-token advantages of a batch: [N, T] float32 on the device of <paramref name="stepOfToken"/> [N, T]
    /// (int64 step indices, −1 on padding), from A_out [N] and, per trajectory, A^IB_1..A^IB_K and its blend.
    /// </summary>
    public static Tensor TokenAdvantages(Tensor outcomeAdvantages, Tensor stepOfToken, IReadOnlyList<double[]> stepAdvantages,
        IReadOnlyList<GroupBlend> blends, double clip)
    {
        var n = (int)stepOfToken.shape[0];
        if (stepOfToken.dim() != 2 || outcomeAdvantages.shape is not [var rows] || rows != n || stepAdvantages.Count != n || blends.Count != n)
            throw new ArgumentException($"expected A_out [N], step index [N, T] and N step-advantage arrays and blends; got " +
                $"[{string.Join(", ", outcomeAdvantages.shape)}], [{string.Join(", ", stepOfToken.shape)}], {stepAdvantages.Count}, {blends.Count}");
        var device = stepOfToken.device;
        var table = StepTable(stepAdvantages, blends, clip);

        using var scope = NewDisposeScope();
        var index = stepOfToken.to(int64);
        var padding = index < ConstantScalars.Zero;
        if (index.numel() > 0 && index.max().item<long>() >= table.GetLength(1))
            throw new ArgumentException("a token's step index exceeds its trajectory's step count", nameof(stepOfToken));
        var credit = tensor(table, dtype: float64, device: device).gather(1, index.clamp_min(ConstantScalars.Zero));
        var weight = tensor(blends.Select(b => b.Weight).ToArray(), dtype: float64, device: device).unsqueeze(1);
        var outcome = outcomeAdvantages.to(float64).to(device).unsqueeze(1);
        // (1 − 0)·a + 0·x is exactly a for finite x, so unblended rows equal A_out bit for bit.
        var blended = (weight.neg().add(ConstantScalars.One, ConstantScalars.One) * outcome).add(weight * credit, ConstantScalars.One);
        return blended.masked_fill(padding, ConstantScalars.Zero).to(float32).MoveToOuterDisposeScope();
    }

    /// <summary>Ā^IB per trajectory and step, padded with 0 to the longest trajectory: [N, K_max].</summary>
    private static double[,] StepTable(IReadOnlyList<double[]> stepAdvantages, IReadOnlyList<GroupBlend> blends, double clip)
    {
        var width = stepAdvantages.Max(a => a.Length);
        var table = new double[stepAdvantages.Count, Math.Max(width, 1)];
        for (var i = 0; i < stepAdvantages.Count; i++)
        {
            var scaled = ScaledStepAdvantages(stepAdvantages[i], clip, blends[i].Scale);
            for (var k = 0; k < scaled.Length; k++) table[i, k] = scaled[k];
        }
        return table;
    }

    /// <summary>
    /// Fraction of response tokens (<paramref name="mask"/> [N, T] = 1) whose blended advantage has a different sign
    /// from A_out [N] (zero counts as its own sign); 0 when there are no tokens. A monitor of how much IB credit
    /// overrides the outcome (§C.8).
    /// </summary>
    public static double SignFlipFraction(Tensor advantages, Tensor outcomeAdvantages, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var valid = mask.to(@bool);
        var tokens = valid.sum().item<long>();
        if (tokens == 0) return 0;
        var flipped = (advantages.sign() != outcomeAdvantages.to(advantages.dtype).unsqueeze(1).sign()) & valid;
        return flipped.sum().item<long>() / (double)tokens;
    }

    /// <summary>
    /// Mean Ā^IB of failing and of succeeding trajectories (§C.8 monitor): each trajectory contributes the mean over
    /// its steps, so long trajectories do not dominate. A calibrated probe gives failures the lower number.
    /// </summary>
    public static IbCreditSplit CreditBySuccess(IReadOnlyList<double[]> scaledStepAdvantages, IReadOnlyList<bool> success)
    {
        if (scaledStepAdvantages.Count != success.Count)
            throw new ArgumentException($"{scaledStepAdvantages.Count} trajectories but {success.Count} labels");
        double? MeanOf(bool label)
        {
            var means = scaledStepAdvantages.Where((_, i) => success[i] == label && scaledStepAdvantages[i].Length > 0)
                .Select(a => a.Average()).ToArray();
            return means.Length == 0 ? null : means.Average();
        }
        return new IbCreditSplit(MeanOf(false), MeanOf(true));
    }
}
