using Gipo.Core.Algorithm.Objective;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Objective;

public class OffPolicyCorrectionTests
{
    public OffPolicyCorrectionTests() => Torch.Init();

    /// <summary>w̃ for raw weights <paramref name="w"/> (ℓ^prox − ℓ^μ = ln w), all tokens in the mask; float64 for exactness.</summary>
    private static double[] Weights(ImportanceMode mode, double cap, params double[] w)
    {
        using var prox = tensor(w.Select(x => Math.Log(x)).ToArray(), [1, w.Length], ScalarType.Float64);
        using var behaviour = zeros_like(prox);
        using var mask = ones_like(prox);
        using var weights = PolicyLoss.ImportanceWeights(prox, behaviour, mode, cap, mask);
        Assert.False(weights.requires_grad);
        return Tokens.Values(weights);
    }

    [Fact]
    public void Truncate_caps_at_C()
    {
        // §T3 at C = 2: 1.9 passes, 2.1 is truncated to 2.
        var w = Weights(ImportanceMode.Truncate, 2.0, 1.9, 2.1, 0.3);

        Assert.Equal(1.9, w[0], 12);
        Assert.Equal(2.0, w[1], 12);
        Assert.Equal(0.3, w[2], 12);
    }

    [Fact]
    public void Mask_drops_tokens_above_C()
    {
        // §T3 at C = 2: 1.9 passes, 2.1 leaves the loss.
        var w = Weights(ImportanceMode.Mask, 2.0, 1.9, 2.1, 0.3);

        Assert.Equal(1.9, w[0], 12);
        Assert.Equal(0.0, w[1]);
        Assert.Equal(0.3, w[2], 12);
    }

    [Fact]
    public void Mask_at_C_5_keeps_weights_up_to_5_unchanged()
    {
        // AReaL behav_imp_weight_cap = 5: below the cap w is used as is (not truncated), above it the token is dropped.
        var w = Weights(ImportanceMode.Mask, 5.0, 1.9, 2.1, 4.9, 5.1, 1e6);

        Assert.Equal([1.9, 2.1, 4.9, 0, 0], w.Select(x => Math.Round(x, 12)));
    }

    [Fact]
    public void An_overflowing_weight_is_capped_or_masked_without_nan()
    {
        // ℓ^prox − ℓ^μ = 200 would overflow exp; the ±20 clamp and where() keep the result finite.
        using var prox = Tokens.Row(200, 0);
        using var behaviour = Tokens.Row(0, 0);
        using var mask = Tokens.Row(1, 1);

        using var truncated = PolicyLoss.ImportanceWeights(prox, behaviour, ImportanceMode.Truncate, 2, mask);
        using var masked = PolicyLoss.ImportanceWeights(prox, behaviour, ImportanceMode.Mask, 5, mask);

        Assert.Equal([2.0, 1.0], Tokens.Values(truncated));
        Assert.Equal([0.0, 1.0], Tokens.Values(masked));
    }

    [Fact]
    public void Weights_are_zero_on_padding()
    {
        using var prox = Tokens.Row(0.1, 0.1);
        using var behaviour = Tokens.Row(0, 0);
        using var mask = Tokens.Row(1, 0);

        using var w = PolicyLoss.ImportanceWeights(prox, behaviour, ImportanceMode.Truncate, 2, mask);

        Assert.Equal(0.0, Tokens.Values(w)[1]);
    }

    [Fact]
    public void Prox_equal_to_behave_gives_unit_weights()
    {
        // §T2: prox = behave ⇒ w ≡ 1 for any behaviour log-probs.
        using var behaviour = Tokens.Of(new double[,] { { -0.3, -2.5, -0.01 }, { -7, -0.2, -1 } });
        using var mask = ones_like(behaviour);

        using var prox = PolicyLoss.ProxLogProbs(ProxMode.Behave, behaviour);
        using var w = PolicyLoss.ImportanceWeights(prox, behaviour, ImportanceMode.Truncate, 2, mask);

        Assert.All(Tokens.Values(w), x => Assert.Equal(1.0, x));
    }

    [Fact]
    public void Recompute_returns_the_recomputed_log_probs_detached()
    {
        using var behaviour = Tokens.Row(-1, -2);
        using var recomputed = Tokens.Row(-1.1, -1.9);
        recomputed.requires_grad = true;

        using var prox = PolicyLoss.ProxLogProbs(ProxMode.Recompute, behaviour, logpRecomputed: recomputed);

        Assert.False(prox.requires_grad);
        Assert.Equal(Tokens.Values(recomputed), Tokens.Values(prox));
        var e = Assert.Throws<ArgumentException>(() => PolicyLoss.ProxLogProbs(ProxMode.Recompute, behaviour));
        Assert.Contains("recompute", e.Message);
    }

    [Fact]
    public void LogLinear_interpolates_by_version()
    {
        // Row 0: v^b = 2, v^prox = 4, v^θ = 5 ⇒ α = 2/3. Row 1: v^b = 4 = v^prox ⇒ α = 0 (prox = μ).
        using var behaviour = tensor(new[] { -1.0, -2.0, -1.0, -2.0 }, [2, 2], ScalarType.Float64);
        using var theta = tensor(new[] { -0.4, -2.6, -0.4, -2.6 }, [2, 2], ScalarType.Float64);
        theta.requires_grad = true;

        using var prox = PolicyLoss.ProxLogProbs(ProxMode.LogLinear, behaviour, logpTheta: theta,
            versions: new ProxVersions([2, 4], Prox: 4, Theta: 5));

        Assert.False(prox.requires_grad);
        var values = Tokens.Values(prox);
        Assert.Equal(-1 + 2.0 / 3 * 0.6, values[0], 12);
        Assert.Equal(-2 - 2.0 / 3 * 0.6, values[1], 12);
        Assert.Equal(-1.0, values[2], 12);
        Assert.Equal(-2.0, values[3], 12);
    }

    [Fact]
    public void LogLinear_rejects_missing_or_inconsistent_versions()
    {
        using var behaviour = Tokens.Row(-1, -2);
        using var theta = Tokens.Row(-1, -2);

        Assert.Throws<ArgumentException>(() => PolicyLoss.ProxLogProbs(ProxMode.LogLinear, behaviour, logpTheta: theta));
        Assert.Throws<ArgumentException>(() => PolicyLoss.ProxLogProbs(ProxMode.LogLinear, behaviour,
            versions: new ProxVersions([1], 2, 3)));
        var e = Assert.Throws<ArgumentException>(() => PolicyLoss.ProxLogProbs(ProxMode.LogLinear, behaviour, theta,
            versions: new ProxVersions([1, 2], 2, 3)));
        Assert.Contains("2 behaviour versions for 1 sequences", e.Message);
        e = Assert.Throws<ArgumentException>(() => PolicyLoss.ProxLogProbs(ProxMode.LogLinear, behaviour, theta,
            versions: new ProxVersions([3], 2, 3)));
        Assert.Contains("outside", e.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_cap_below_one_or_non_finite_is_rejected(double cap)
    {
        using var row = Tokens.Row(0, 0);
        Assert.ThrowsAny<ArgumentException>(() => PolicyLoss.ImportanceWeights(row, row, ImportanceMode.Truncate, cap, row));
    }

    [Fact]
    public void Non_finite_behaviour_log_probs_are_rejected()
    {
        using var prox = Tokens.Row(0, 0);
        using var behaviour = Tokens.Row(double.NegativeInfinity, 0);
        using var mask = Tokens.Row(1, 1);

        var e = Assert.Throws<ArgumentException>(() =>
            PolicyLoss.ImportanceWeights(prox, behaviour, ImportanceMode.Mask, 5, mask));
        Assert.Contains("logpBehaviour", e.Message);
    }
}
