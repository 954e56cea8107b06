using Gipo.Core.Algorithm.Objective;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Objective;

public class PolicyLossComputeTests
{
    public PolicyLossComputeTests() => Torch.Init();

    private static PolicyLossInputs Inputs(Tensor theta, Tensor prox, Tensor behaviour, Tensor adv, Tensor mask, Tensor? reference = null) =>
        new(theta, prox, behaviour, adv, mask, reference);

    [Fact]
    public void Decoupled_loss_equals_coupled_loss_when_prox_is_behave()
    {
        // §T3: with ℓ^prox = ℓ^μ the decoupled loss (recompute) is the coupled one (behave), and both are plain
        // veRL PPO against μ: agg(L^clip(ℓ^θ, ℓ^μ, A)).
        var random = new Random(3);
        double[,] Random(double scale) => Fill(2, 5, () => (random.NextDouble() - 0.5) * scale);
        using var behaviour = Tokens.Of(Random(2)) - 1.5;
        using var theta = behaviour + Tokens.Of(Random(0.8));
        using var adv = Tokens.Of(Random(3));
        using var mask = Tokens.Of(new double[,] { { 1, 1, 1, 0, 0 }, { 1, 1, 1, 1, 1 } });
        var config = TestConfigs.Loss;

        using var coupledProx = PolicyLoss.ProxLogProbs(ProxMode.Behave, behaviour);
        using var decoupledProx = PolicyLoss.ProxLogProbs(ProxMode.Recompute, behaviour, logpRecomputed: behaviour.clone());
        var coupled = PolicyLoss.Compute(Inputs(theta, coupledProx, behaviour, adv, mask), config);
        var decoupled = PolicyLoss.Compute(Inputs(theta, decoupledProx, behaviour, adv, mask), config);
        using var surrogate = PolicyLoss.ClippedSurrogate(theta, behaviour, adv, config);
        using var plain = PolicyLoss.Aggregate(surrogate.PerToken, mask, LossAggregation.TokenMean);

        Assert.Equal(Tokens.Scalar(plain), Tokens.Scalar(coupled.Loss));
        Assert.Equal(Tokens.Scalar(plain), Tokens.Scalar(decoupled.Loss));
        Assert.Equal(1.0, decoupled.Metrics.MeanWeight);
        Assert.Equal(0.0, decoupled.Metrics.MeanAbsWeightMinusOne);
        coupled.Loss.Dispose();
        decoupled.Loss.Dispose();
    }

    [Theory]
    // Two tokens at ρ = 1 with A = 1 (L^clip = −1) and w = 1.9, 2.1; C = 2; token-mean over both tokens.
    [InlineData(ImportanceMode.Truncate, -1.95)] // (−1.9 − 2.0) / 2
    [InlineData(ImportanceMode.Mask, -0.95)] // (−1.9 + 0) / 2: a masked token still counts in the denominator (AReaL)
    public void Truncate_and_mask_at_w_1_9_and_2_1(ImportanceMode mode, double expected)
    {
        using var behaviour = tensor(new[] { 0.0, 0.0 }, [1, 2], ScalarType.Float64);
        using var prox = tensor(new[] { Math.Log(1.9), Math.Log(2.1) }, [1, 2], ScalarType.Float64);
        using var adv = tensor(new[] { 1.0, 1.0 }, [1, 2], ScalarType.Float64);
        using var mask = ones_like(adv);

        var result = PolicyLoss.Compute(Inputs(prox, prox, behaviour, adv, mask), TestConfigs.Loss with { Importance = mode, ImportanceCap = 2.0 });

        Assert.Equal(expected, Tokens.Scalar(result.Loss), 12);
        Assert.Equal(0.5, result.Metrics.CappedFraction);
        Assert.Equal(2.1, result.Metrics.MaxWeight, 12);
        result.Loss.Dispose();
    }

    [Fact]
    public void Metrics_count_each_clip_over_response_tokens_only()
    {
        // Tokens (ρ, A, w): (1.5, 1, 1) clipped high; (0.5, −1, 1) clipped low; (4, −1, 1) dual clip; (1, 1, 3) capped.
        // The fifth is padding with extreme values. μ = 0, ℓ^prox = ln w, ℓ^θ = ℓ^prox + ln ρ.
        double[] ratio = [1.5, 0.5, 4.0, 1.0, 50.0];
        double[] a = [1, -1, -1, 1, -3];
        double[] w = [1, 1, 1, 3, 1000];
        using var behaviour = zeros([1, 5], ScalarType.Float64);
        using var prox = tensor(w.Select(x => Math.Log(x)).ToArray(), [1, 5], ScalarType.Float64);
        using var theta = prox + tensor(ratio.Select(x => Math.Log(x)).ToArray(), [1, 5], ScalarType.Float64);
        using var adv = tensor(a, [1, 5], ScalarType.Float64);
        using var mask = tensor(new[] { 1.0, 1, 1, 1, 0 }, [1, 5], ScalarType.Float64);

        var result = PolicyLoss.Compute(Inputs(theta, prox, behaviour, adv, mask), TestConfigs.Loss);
        var m = result.Metrics;

        // L^clip = [−1.28, 0.8, 3, −1], w̃ = [1, 1, 1, 2] ⇒ (−1.28 + 0.8 + 3 − 2) / 4 = 0.13.
        Assert.Equal(0.13, Tokens.Scalar(result.Loss), 12);
        Assert.Equal(0.13, m.PgLoss, 12);
        Assert.Equal(0.0, m.KlLoss);
        Assert.Equal(0.25, m.ClipFractionLow, 12);
        Assert.Equal(0.25, m.ClipFractionHigh, 12);
        Assert.Equal(0.25, m.DualClipFraction, 12);
        Assert.Equal(0.25, m.CappedFraction, 12);
        Assert.Equal(1.5, m.MeanWeight, 12);
        Assert.Equal(0.5, m.MeanAbsWeightMinusOne, 12);
        Assert.Equal(3.0, m.MaxWeight, 12);
        Assert.Equal(-Math.Log(3) / 4, m.ApproxKlProxTheta, 12); // −(ln 1.5 + ln 0.5 + ln 4 + 0) / 4
        result.Loss.Dispose();
    }

    [Fact]
    public void Ppo_kl_clamps_the_log_ratio_to_20_as_verl_does()
    {
        // veRL's ppo_kl = masked_mean(−clamp(ℓθ − ℓold, −20, 20)): with log-ratios [50, −0.5, −30] it is
        // −(20 − 0.5 − 20)/3 = 0.5/3, not the raw mean −(50 − 0.5 − 30)/3. Padding (the 4th token) is ignored.
        using var prox = zeros([1, 4], ScalarType.Float64);
        using var theta = tensor(new[] { 50.0, -0.5, -30, 1000 }, [1, 4], ScalarType.Float64);
        using var adv = tensor(new[] { 1.0, -1, 1, 1 }, [1, 4], ScalarType.Float64);
        using var mask = tensor(new[] { 1.0, 1, 1, 0 }, [1, 4], ScalarType.Float64);

        var result = PolicyLoss.Compute(Inputs(theta, prox, prox, adv, mask), TestConfigs.Loss);

        Assert.Equal(0.5 / 3, result.Metrics.ApproxKlProxTheta, 12);
        result.Loss.Dispose();
    }

    [Fact]
    public void Kl_term_is_beta_times_aggregated_k3()
    {
        using var theta = Tokens.Of(new double[,] { { -1, -2, -0.5 }, { -0.3, -4, -1 } });
        using var reference = Tokens.Of(new double[,] { { -1.5, -1, -0.5 }, { -0.2, -3, -9 } });
        using var adv = Tokens.Of(new double[,] { { 1, 1, 1 }, { -1, -1, -1 } });
        using var mask = Tokens.Of(new double[,] { { 1, 1, 1 }, { 1, 1, 0 } });
        var config = TestConfigs.Loss with { KlBeta = 0.04, Aggregation = LossAggregation.SeqMeanTokenMean };

        var result = PolicyLoss.Compute(Inputs(theta, theta, theta, adv, mask, reference), config);
        using var k3 = PolicyLoss.Kl(theta, reference, KlEstimator.K3);
        using var kl = PolicyLoss.Aggregate(k3, mask, LossAggregation.SeqMeanTokenMean);

        // ρ = 1 everywhere, so the pg term is −agg(A) = −(1 + (−1)) / 2 = 0.
        Assert.Equal(0.0, result.Metrics.PgLoss, 6);
        Assert.Equal(Tokens.Scalar(kl), result.Metrics.KlLoss, 6);
        Assert.Equal(0.04 * Tokens.Scalar(kl), Tokens.Scalar(result.Loss), 6);
        result.Loss.Dispose();
    }

    [Fact]
    public void Zero_beta_loss_is_bit_identical_with_or_without_reference()
    {
        using var theta = Tokens.Of(new double[,] { { -1, -2 }, { -0.3, -4 } });
        using var prox = Tokens.Of(new double[,] { { -1.1, -1.8 }, { -0.4, -4.2 } });
        using var adv = Tokens.Of(new double[,] { { 0.7, 0.7 }, { -1.2, -1.2 } });
        using var mask = ones_like(adv);

        var without = PolicyLoss.Compute(Inputs(theta, prox, prox, adv, mask), TestConfigs.Loss);
        var with = PolicyLoss.Compute(Inputs(theta, prox, prox, adv, mask, theta - 1), TestConfigs.Loss);

        Assert.Equal(Tokens.Scalar(without.Loss), Tokens.Scalar(with.Loss));
        Assert.True(with.Metrics.KlLoss > 0); // still reported for monitoring
        without.Loss.Dispose();
        with.Loss.Dispose();
    }

    [Fact]
    public void Positive_beta_without_reference_is_rejected()
    {
        using var row = Tokens.Row(-1, -1);
        var e = Assert.Throws<ArgumentException>(() =>
            PolicyLoss.Compute(Inputs(row, row, row, row, row), TestConfigs.Loss with { KlBeta = 0.04 }));
        Assert.Contains("reference", e.Message);
    }

    [Fact]
    public void Loss_gradient_matches_finite_differences()
    {
        // Total loss with off-policy weights and seq-mean-token-sum-norm, float64, away from the clip kinks.
        var random = new Random(5);
        const int n = 3, t = 4;
        var proxValues = Fill(n, t, () => -0.5 - random.NextDouble());
        var behaviourValues = Fill(n, t, () => -0.5 - random.NextDouble());
        var advValues = Fill(n, t, () => random.NextDouble() < 0.5 ? -1.3 : 0.9);
        var delta = Fill(n, t, () => (random.NextDouble() - 0.5) * 0.3); // |log ρ| ≤ 0.15: inside (0.8, 1.28)
        using var prox = Tokens.Of(proxValues, ScalarType.Float64);
        using var behaviour = Tokens.Of(behaviourValues, ScalarType.Float64);
        using var adv = Tokens.Of(advValues, ScalarType.Float64);
        using var mask = Tokens.Of(new double[,] { { 1, 1, 1, 1 }, { 1, 1, 0, 0 }, { 1, 0, 0, 0 } }, ScalarType.Float64);
        var config = TestConfigs.Loss with { Aggregation = LossAggregation.SeqMeanTokenSumNorm, MaxResponseLength = 6 };
        var theta0 = Tokens.Values(prox + Tokens.Of(delta, ScalarType.Float64));

        double Loss(double[] theta)
        {
            using var th = tensor(theta, [n, t], ScalarType.Float64);
            var r = PolicyLoss.Compute(Inputs(th, prox, behaviour, adv, mask), config);
            using var loss = r.Loss;
            return Tokens.Scalar(loss);
        }

        using var thetaVar = tensor(theta0, [n, t], ScalarType.Float64);
        thetaVar.requires_grad = true;
        var result = PolicyLoss.Compute(Inputs(thetaVar, prox, behaviour, adv, mask), config);
        result.Loss.backward();
        result.Loss.Dispose();
        var grad = Tokens.Values(thetaVar.grad!);

        const double h = 1e-6;
        for (var i = 0; i < theta0.Length; i++)
        {
            var up = (double[])theta0.Clone();
            var down = (double[])theta0.Clone();
            up[i] += h;
            down[i] -= h;
            Assert.Equal((Loss(up) - Loss(down)) / (2 * h), grad[i], 7);
        }

        Assert.Equal(0.0, grad[7]); // padding (row 1, column 3) has no gradient
    }

    [Fact]
    public void Non_finite_inputs_are_named()
    {
        using var good = Tokens.Row(-1, -1);
        using var bad = Tokens.Row(-1, double.NaN);

        var e = Assert.Throws<ArgumentException>(() =>
            PolicyLoss.Compute(Inputs(good, good, bad, good, good), TestConfigs.Loss));
        Assert.Contains("LogpBehaviour", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            PolicyLoss.Compute(Inputs(good, good, good, bad, good), TestConfigs.Loss));
        Assert.Contains("Advantages", e.Message);
    }

    [Fact]
    public void Mixed_dtypes_and_shapes_are_rejected()
    {
        using var f32 = Tokens.Row(-1, -1);
        using var f64 = tensor(new[] { -1.0, -1.0 }, [1, 2], ScalarType.Float64);
        using var wide = Tokens.Row(-1, -1, -1);

        var e = Assert.Throws<ArgumentException>(() =>
            PolicyLoss.Compute(Inputs(f32, f64, f32, f32, f32), TestConfigs.Loss));
        Assert.Contains("Float64", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            PolicyLoss.Compute(Inputs(f32, f32, f32, wide, f32), TestConfigs.Loss));
        Assert.Contains("shape", e.Message);
    }

    private static double[,] Fill(int rows, int cols, Func<double> next)
    {
        var values = new double[rows, cols];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                values[r, c] = next();
        return values;
    }
}
