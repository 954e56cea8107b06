using Gipo.Core.Algorithm.Objective;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Objective;

public class ClippedSurrogateTests
{
    private static readonly PolicyLossConfig Dapo = TestConfigs.Loss; // ε_low 0.2, ε_high 0.28, c 3
    private static readonly PolicyLossConfig Ppo = TestConfigs.Loss with { EpsLow = 0.2, EpsHigh = 0.2 };

    public ClippedSurrogateTests() => Torch.Init();

    /// <summary>veRL's <c>compute_policy_loss_vanilla</c> for one token, written out with doubles.</summary>
    private static double VerlTokenLoss(double logpTheta, double logpOld, double a, PolicyLossConfig c)
    {
        var ratio = Math.Exp(Math.Clamp(logpTheta - logpOld, -20, 20));
        var pg1 = -a * ratio;
        var pg2 = -a * Math.Clamp(ratio, 1 - c.EpsLow, 1 + c.EpsHigh);
        var clip1 = Math.Max(pg1, pg2);
        var clip2 = Math.Min(-a * c.DualClipC, clip1);
        return a < 0 ? clip2 : clip1;
    }

    private static (double[] Loss, bool[] Clipped, bool[] Dual) Surrogate(double[] ratios, double[] advantages, PolicyLossConfig config)
    {
        using var theta = Tokens.Row(ratios.Select(r => Math.Log(r)).ToArray());
        using var prox = zeros_like(theta);
        using var adv = Tokens.Row(advantages);
        using var terms = PolicyLoss.ClippedSurrogate(theta, prox, adv, config);
        return (Tokens.Values(terms.PerToken), Tokens.Flags(terms.ClippedMask), Tokens.Flags(terms.DualClipMask));
    }

    [Theory]
    // ρ, A, L^clip, clip(ρ) binds, dual clip binds — hand-computed with ε_low 0.2, ε_high 0.28, c 3:
    [InlineData(1.5, 1.0, -1.28, true, false)] // A > 0, ρ above 1.28: −A·1.28
    [InlineData(1.1, 2.0, -2.2, false, false)] // inside the trust region: −A·ρ
    [InlineData(0.5, 1.0, -0.5, false, false)] // A > 0, low ratio: max(−0.5, −0.8) keeps −A·ρ
    [InlineData(0.5, -1.0, 0.8, true, false)] // A < 0, ρ below 0.8: −A·0.8
    [InlineData(1.2, -1.0, 1.2, false, false)] // A < 0, high ratio under the dual bound: −A·ρ
    [InlineData(4.0, -1.0, 3.0, false, true)] // A < 0, ρ = 4: −A·ρ = 4 capped at −c·A = 3
    [InlineData(5.0, -2.0, 6.0, false, true)] // 10 capped at 6
    [InlineData(1.7, 0.0, 0.0, false, false)] // A = 0: no loss, no dual clip
    public void Hand_computed_cases(double ratio, double advantage, double expected, bool clipped, bool dual)
    {
        var (loss, clippedMask, dualMask) = Surrogate([ratio], [advantage], Dapo);

        Assert.Equal(expected, loss[0], 5);
        Assert.Equal(clipped, clippedMask[0]);
        Assert.Equal(dual, dualMask[0]);
    }

    [Fact]
    public void Deconstructs_into_the_loss_and_the_clip_mask()
    {
        using var theta = Tokens.Row(Math.Log(1.5), 0);
        using var prox = zeros_like(theta);
        using var adv = Tokens.Row(1, 1);

        var (perToken, clipped) = PolicyLoss.ClippedSurrogate(theta, prox, adv, Dapo);

        Assert.Equal([-1.28, -1.0], Tokens.Values(perToken).Select(x => Math.Round(x, 5)));
        Assert.Equal([true, false], Tokens.Flags(clipped));
        perToken.Dispose();
        clipped.Dispose();
    }

    [Fact]
    public void Clip_higher_leaves_room_above_one_plus_eps_low()
    {
        // ρ = 1.25, A = 1: PPO (ε_high 0.2) clips to 1.2; DAPO (ε_high 0.28) does not clip.
        Assert.Equal(-1.2, Surrogate([1.25], [1.0], Ppo).Loss[0], 5);
        Assert.Equal(-1.25, Surrogate([1.25], [1.0], Dapo).Loss[0], 5);
    }

    [Fact]
    public void Matches_veRL_on_random_tokens()
    {
        var random = new Random(11);
        const int n = 500;
        var logpTheta = Enumerable.Range(0, n).Select(_ => -3 * random.NextDouble()).ToArray();
        var logpOld = logpTheta.Select(l => l + random.NextDouble() * 3 - 1.5).ToArray();
        var adv = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        using var theta = Tokens.Row(logpTheta);
        using var old = Tokens.Row(logpOld);
        using var a = Tokens.Row(adv);

        using var terms = PolicyLoss.ClippedSurrogate(theta, old, a, Dapo);

        var ours = Tokens.Values(terms.PerToken);
        // Compare with veRL evaluated on the same float32-rounded inputs.
        var t32 = Tokens.Values(theta);
        var o32 = Tokens.Values(old);
        var a32 = Tokens.Values(a);
        for (var i = 0; i < n; i++)
            Assert.Equal(VerlTokenLoss(t32[i], o32[i], a32[i], Dapo), ours[i], 4);
    }

    [Fact]
    public void Ratio_clamps_the_log_ratio_at_20()
    {
        using var theta = Tokens.Row(30, -30, 0.5);
        using var prox = zeros_like(theta);

        using var ratio = PolicyLoss.Ratio(theta, prox);

        var values = Tokens.Values(ratio);
        Assert.Equal(Math.Exp(20), values[0], Math.Exp(20) * 1e-6);
        Assert.Equal(Math.Exp(-20), values[1], 1e-12);
        Assert.Equal(Math.Exp(0.5), values[2], 5);
    }

    [Fact]
    public void Gradient_matches_finite_differences_and_is_zero_where_clipped()
    {
        // Points away from the kinks (ρ = 0.8, 1.28, and −A·ρ = −c·A): ratio, advantage, gradient is zero.
        (double Ratio, double A, bool Flat)[] points =
        [
            (0.9, 1.0, false), (1.1, -1.0, false), (0.5, 1.5, false), (1.5, -0.7, false), (2.5, -1.0, false),
            (1.5, 1.0, true), (0.5, -1.0, true), (4.0, -1.0, true), (1.1, 0.0, true),
        ];
        var logRatios = points.Select(p => Math.Log(p.Ratio)).ToArray();
        var advantages = points.Select(p => p.A).ToArray();
        using var adv = tensor(advantages, [1, points.Length], ScalarType.Float64);
        using var prox = zeros([1, points.Length], ScalarType.Float64);

        double Loss(double[] l)
        {
            using var theta = tensor(l, [1, l.Length], ScalarType.Float64);
            using var terms = PolicyLoss.ClippedSurrogate(theta, prox, adv, Dapo);
            return Tokens.Scalar(terms.PerToken.sum());
        }

        using var thetaVar = tensor(logRatios, [1, points.Length], ScalarType.Float64);
        thetaVar.requires_grad = true;
        using (var terms = PolicyLoss.ClippedSurrogate(thetaVar, prox, adv, Dapo))
        {
            Assert.Equal(ScalarType.Float64, terms.PerToken.dtype);
            terms.PerToken.sum().backward();
        }

        var grad = Tokens.Values(thetaVar.grad!);
        const double h = 1e-6;
        for (var i = 0; i < points.Length; i++)
        {
            var up = (double[])logRatios.Clone();
            var down = (double[])logRatios.Clone();
            up[i] += h;
            down[i] -= h;
            var numeric = (Loss(up) - Loss(down)) / (2 * h);
            Assert.Equal(numeric, grad[i], 6);
            // d(−A·e^ℓ)/dℓ = −A·ρ off the clip, 0 on it.
            Assert.Equal(points[i].Flat ? 0.0 : -points[i].A * points[i].Ratio, grad[i], 9);
        }
    }

    [Fact]
    public void Advantages_and_prox_carry_no_gradient()
    {
        using var theta = tensor(new[] { 0.1, -0.2 }, [1, 2], ScalarType.Float64);
        using var prox = tensor(new[] { 0.0, 0.0 }, [1, 2], ScalarType.Float64);
        using var adv = tensor(new[] { 1.0, -1.0 }, [1, 2], ScalarType.Float64);
        theta.requires_grad = true;
        prox.requires_grad = true;
        adv.requires_grad = true;

        using var terms = PolicyLoss.ClippedSurrogate(theta, prox, adv, Dapo);
        terms.PerToken.sum().backward();

        Assert.NotNull(theta.grad);
        Assert.Null(prox.grad);
        Assert.Null(adv.grad);
    }

    [Fact]
    public void Non_finite_log_probs_are_rejected()
    {
        using var theta = Tokens.Row(0.1, double.NaN);
        using var prox = Tokens.Row(0, 0);
        using var adv = Tokens.Row(1, 1);

        var e = Assert.Throws<ArgumentException>(() => PolicyLoss.ClippedSurrogate(theta, prox, adv, Dapo));
        Assert.Contains("NaN or infinite values in logpTheta", e.Message);

        using var infProx = Tokens.Row(0, double.NegativeInfinity);
        e = Assert.Throws<ArgumentException>(() => PolicyLoss.Ratio(prox, infProx));
        Assert.Contains("logpProx", e.Message);
    }

    [Fact]
    public void Mismatched_shapes_are_rejected()
    {
        using var theta = Tokens.Row(0.1, 0.2, 0.3);
        using var prox = Tokens.Row(0, 0);
        using var adv = Tokens.Row(1, 1, 1);

        var e = Assert.Throws<ArgumentException>(() => PolicyLoss.ClippedSurrogate(theta, prox, adv, Dapo));
        Assert.Contains("shape", e.Message);
    }

    [Theory]
    [InlineData(-0.1, 0.28, 3.0)]
    [InlineData(1.0, 0.28, 3.0)]
    [InlineData(0.2, -0.1, 3.0)]
    [InlineData(0.2, 0.28, 1.0)]
    [InlineData(0.2, 0.28, double.PositiveInfinity)]
    public void Bad_clip_settings_are_rejected(double epsLow, double epsHigh, double c)
    {
        Assert.ThrowsAny<ArgumentException>(() => (TestConfigs.Loss with { EpsLow = epsLow, EpsHigh = epsHigh, DualClipC = c }).Validate());
    }
}
