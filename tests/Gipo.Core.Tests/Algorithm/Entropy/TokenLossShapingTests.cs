using Gipo.Core.Algorithm.Entropy;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Entropy;

public sealed class TokenLossShapingTests
{
    private const int T = 60;
    private static readonly int[] Lengths = [60, 50, 60, 30]; // 200 valid tokens, even lengths

    public TokenLossShapingTests() => Gipo.Core.Tests.Algorithm.Torch.Init();

    // Even positions: A = 2, ℓ = −0.5; odd: A = −2, ℓ = −2.5. Over the valid tokens Ā = 0 and mean ℓ = −1.5, so every
    // valid token has Cov = 2 ∈ (1, 5). Padding holds wild values that must not move the means.
    private static (Tensor Advantages, Tensor Logp, Tensor Mask) CovarianceBatch()
    {
        var a = new double[Lengths.Length, T];
        var l = new double[Lengths.Length, T];
        for (var n = 0; n < Lengths.Length; n++)
        {
            for (var t = 0; t < T; t++)
            {
                var valid = t < Lengths[n];
                a[n, t] = !valid ? 100 : t % 2 == 0 ? 2 : -2;
                l[n, t] = !valid ? 50 : t % 2 == 0 ? -0.5 : -2.5;
            }
        }
        return (TokenGrids.Float32(a), TokenGrids.Float32(l), TokenGrids.Mask(T, Lengths));
    }

    private static Tensor ClippedEveryTenth()
    {
        var clipped = new double[Lengths.Length, T];
        for (var n = 0; n < Lengths.Length; n++)
        {
            for (var t = 0; t < T; t += 10)
            {
                clipped[n, t] = 1;
            }
        }
        return TokenGrids.Float32(clipped);
    }

    [Fact]
    public void Covariance_is_centred_over_valid_tokens()
    {
        var (a, l, mask) = CovarianceBatch();

        var cov = TokenLossShaping.Covariance(a, l, mask);

        for (var i = 0; i < cov.Length; i++)
        {
            Assert.Equal(i % T < Lengths[i / T] ? 2 : 0, cov[i], 5);
        }
    }

    [Fact]
    public void Clip_cov_zeroes_exactly_max_1_floor_r_n_eligible_tokens()
    {
        var (a, l, mask) = CovarianceBatch();
        var clipped = ClippedEveryTenth();

        var keep = TokenLossShaping.ClipCovKeepMask(a, l, clipped, mask, new Random(1), ratio: 0.02, lower: 1, upper: 5);

        var k = TokenGrids.Values(keep);
        var m = TokenGrids.Values(mask);
        var c = TokenGrids.Values(clipped);
        var zeroed = Enumerable.Range(0, k.Length).Where(i => k[i] == 0).ToArray();
        Assert.Equal(4, zeroed.Length); // ⌊0.02 · 200⌋
        Assert.All(zeroed, i => Assert.Equal(1, m[i]));
        Assert.All(zeroed, i => Assert.Equal(0, c[i]));
        Assert.All(k, x => Assert.True(x is 0 or 1));
    }

    [Fact]
    public void Clip_cov_picks_uniformly_with_its_seed()
    {
        var (a, l, mask) = CovarianceBatch();
        var clipped = ClippedEveryTenth();
        Tensor Pick(int seed) => TokenLossShaping.ClipCovKeepMask(a, l, clipped, mask, new Random(seed), ratio: 0.02, lower: 1, upper: 5);

        Assert.True(TokenGrids.Identical(Pick(7), Pick(7)));
        Assert.False(TokenGrids.Identical(Pick(7), Pick(8)));

        // Over many draws every eligible token is picked about equally often.
        var counts = new double[Lengths.Length * T];
        var random = new Random(3);
        for (var draw = 0; draw < 400; draw++)
        {
            var k = TokenGrids.Values(TokenLossShaping.ClipCovKeepMask(a, l, clipped, mask, random, ratio: 0.02, lower: 1, upper: 5));
            for (var i = 0; i < k.Length; i++)
            {
                counts[i] += 1 - k[i];
            }
        }
        var eligible = Enumerable.Range(0, counts.Length).Where(i => i % T < Lengths[i / T] && i % 10 != 0).ToArray();
        Assert.Equal(180, eligible.Length);
        Assert.Equal(1600, eligible.Sum(i => counts[i]));
        Assert.All(eligible, i => Assert.InRange(counts[i], 0, 30)); // mean 8.9; far tails only
    }

    [Fact]
    public void Clip_cov_picks_at_least_one_and_at_most_the_eligible_tokens()
    {
        var (a, l, mask) = CovarianceBatch();
        var noneClipped = zeros(Lengths.Length, T);

        var one = TokenLossShaping.ClipCovKeepMask(a, l, noneClipped, mask, new Random(1), ratio: 1e-6, lower: 1, upper: 5);
        Assert.Equal(1, TokenGrids.Values(one).Count(x => x == 0));

        // A band that admits nothing: no token is touched.
        var nothing = TokenLossShaping.ClipCovKeepMask(a, l, noneClipped, mask, new Random(1), ratio: 0.5, lower: 2, upper: 5);
        Assert.All(TokenGrids.Values(nothing), x => Assert.Equal(1, x));

        // Everything clipped: nothing eligible.
        var allClipped =
            TokenLossShaping.ClipCovKeepMask(a, l, ones(Lengths.Length, T), mask, new Random(1), ratio: 0.5, lower: 1, upper: 5);
        Assert.All(TokenGrids.Values(allClipped), x => Assert.Equal(1, x));
    }

    [Fact]
    public void Kl_cov_selects_the_top_tokens_by_covariance_and_penalises_only_them()
    {
        var mask = TokenGrids.Mask(10, 10, 6);
        var a = randn([2, 10], generator: new Generator(1)) * 2;
        var logpTheta = (-rand([2, 10], generator: new Generator(2)) * 3).requires_grad_();
        var logpProx = -rand([2, 10], generator: new Generator(3)) * 3;

        var selection = TokenLossShaping.KlCov(a, logpTheta, logpProx, mask, ratio: 0.2, coefficient: 0.5);

        var cov = TokenLossShaping.Covariance(a, logpTheta, mask);
        var valid = TokenGrids.Values(mask);
        var expectedTop = Enumerable.Range(0, 20).Where(i => valid[i] == 1).OrderByDescending(i => cov[i]).Take(3).Order();
        var selected = TokenGrids.Values(selection.Selected.to_type(ScalarType.Float64));
        Assert.Equal(3, selection.Count); // ⌊0.2 · 16⌋
        Assert.Equal(expectedTop, Enumerable.Range(0, 20).Where(i => selected[i] == 1));

        // Unclipped −A·ρ on every token; + k·|Δℓ| on the selected ones only.
        var av = TokenGrids.Values(a);
        var lt = TokenGrids.Values(logpTheta);
        var lp = TokenGrids.Values(logpProx);
        var loss = TokenGrids.Values(selection.Loss);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal((-av[i] * Math.Exp(lt[i] - lp[i])) + (selected[i] * 0.5 * Math.Abs(lt[i] - lp[i])), loss[i], 5);
        }

        selection.Loss.sum().backward();
        Assert.All(TokenGrids.Values(logpTheta.grad!), g => Assert.NotEqual(0, g));
    }

    [Fact]
    public void Forking_keeps_about_the_top_fifth_of_valid_tokens_by_entropy()
    {
        int[] lengths = [50, 31, 44, 50, 38, 47, 35, 49];
        var mask = TokenGrids.Mask(50, lengths);
        var entropy = rand([8, 50], generator: new Generator(4)) * 3;

        var keep = TokenGrids.Values(TokenLossShaping.ForkingKeepMask(entropy, mask));

        var h = TokenGrids.Values(entropy);
        var m = TokenGrids.Values(mask);
        var valid = Enumerable.Range(0, h.Length).Where(i => m[i] == 1).ToArray();
        var kept = valid.Where(i => keep[i] == 1).ToArray();
        Assert.InRange(kept.Length / (double)valid.Length, 0.19, 0.21);
        Assert.All(Enumerable.Range(0, h.Length).Where(i => m[i] == 0), i => Assert.Equal(0, keep[i]));
        Assert.True(kept.Min(i => h[i]) >= valid.Except(kept).Max(i => h[i]));
    }

    [Fact]
    public void Forking_keeps_every_token_when_all_entropies_tie()
    {
        var keep = TokenLossShaping.ForkingKeepMask(full([2, 5], 0.7f), TokenGrids.Mask(5, 5, 3));

        Assert.Equal(8, TokenGrids.Values(keep).Sum());
    }

    [Fact]
    public void Bad_inputs_are_rejected()
    {
        var (a, l, mask) = CovarianceBatch();
        var clipped = zeros(Lengths.Length, T);

        Assert.Throws<ArgumentException>(() =>
            TokenLossShaping.ClipCovKeepMask(a, l[..2], clipped, mask, new Random(1), ratio: 0.02, lower: 1, upper: 5));
        Assert.Throws<ArgumentException>(() =>
            TokenLossShaping.ClipCovKeepMask(a, l, clipped, mask, new Random(1), ratio: 0, lower: 1, upper: 5));
        Assert.Throws<ArgumentException>(() =>
            TokenLossShaping.ClipCovKeepMask(a, l, clipped, mask, new Random(1), ratio: 0.02, lower: 5, upper: 1));
        Assert.Throws<ArgumentException>(() => TokenLossShaping.KlCov(a, l, l, mask * 2, ratio: 0.02, coefficient: 1));
        Assert.Throws<ArgumentException>(() => TokenLossShaping.KlCov(a, l, l, mask, ratio: 0.02, coefficient: -1));
        Assert.Throws<ArgumentException>(() => TokenLossShaping.ForkingKeepMask(a, mask, quantile: 1.5));
        Assert.Throws<ArgumentException>(() => TokenLossShaping.ForkingKeepMask(a.unsqueeze(0), mask));
        var nan = a.clone();
        nan[0, 0] = tensor(float.NaN);
        Assert.Throws<ArgumentException>(() => TokenLossShaping.ForkingKeepMask(nan, mask));
    }
}
