using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.Objective;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Entropy;

public sealed class EntropyRegularizerTests
{
    private const int N = 4;
    private const int T = 6;
    private const int V = 9;
    private static readonly int[] Lengths = [6, 4, 5, 3];
    private static readonly int[] GroupIds = [0, 0, 1, 1];

    // Two buckets plus answer steps (−1) and padding (−1).
    private static readonly TokenBucketIds Buckets = new(
    [
        0, 0, 1, 1, 1, -1,
        0, 1, -1, -1, -1, -1,
        0, 0, 0, 1, -1, -1,
        0, -1, -1, -1, -1, -1,
    ], N, T, 2);

    private static readonly EntropySchedulerConfig Config = new(
        Kappa0: 0.9, Kappa1: 0.9, TAnneal: 10, DMin: 0.5, HFloor: 0.01, UpperMult: 1.5,
        EtaLambda: 0.1, LambdaMax: 0.05, EmaAlpha: 0, NCal: 1, Mode: EntropySchedulerConfig.Lagrangian,
        Position: EntropySchedulerConfig.Absolute, Pid: false, Kp: 0, Ki: 0, Kd: 0);

    public EntropyRegularizerTests() => Gipo.Core.Tests.Algorithm.Torch.Init();

    /// <summary>Coefficients after one calibration step at H = 2 and <paramref name="deficitSteps"/> steps at H = 0.1.</summary>
    private static EntropyCoefficients CoefficientsAfterDeficit(EntropySchedulerConfig config, int deficitSteps)
    {
        var scheduler = EntropyScheduler.Create(config, 2);
        var c = scheduler.Update(new EntropyStats(0, 0, [2.0, 2.0], [2, 2], [8, 5], 1, 1));
        for (var step = 1; step <= deficitSteps; step++)
        {
            c = scheduler.Update(new EntropyStats(step, step, [0.1, 0.1], [2, 2], [8, 5], 1, 1));
        }
        return c;
    }

    private static (Tensor Loss, Tensor Grad) LossAndGrad(Tensor logitsSource, Func<Tensor, Tensor, Tensor> entropyTerm)
    {
        var logits = logitsSource.detach().clone().requires_grad_();
        var mask = TokenGrids.Mask(T, Lengths);
        var targets = randint(V, [N, T], generator: new Generator(11));
        var advantages = tensor(new float[] { 1, -1, 0.5f, -0.5f }).unsqueeze(1).expand(N, T);
        var logp = nn.functional.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1);
        var pg = -(advantages * logp * mask).sum() / mask.sum();
        var loss = pg + entropyTerm(TokenEntropy.FromLogits(logits), mask);
        loss.backward();
        return (loss.detach(), logits.grad!.clone());
    }

    [Fact]
    public void Gsec_with_lambda_max_zero_is_identical_to_none()
    {
        var logits = randn([N, T, V], generator: new Generator(3));
        var coefficients = CoefficientsAfterDeficit(Config with { LambdaMax = 0 }, deficitSteps: 5);
        var weights = GroupSequentialEntropy.Weights(Buckets, GroupIds);
        var none = new EntropyRegularizer(TestConfigs.Entropy(EntropyMode.None));
        var gsec = new EntropyRegularizer(TestConfigs.Entropy(EntropyMode.Gsec));

        var (lossNone, gradNone) = LossAndGrad(logits, (h, m) => none.LossTerm(h, m));
        var (lossGsec, gradGsec) = LossAndGrad(logits, (h, m) => gsec.LossTerm(h, m, weights, coefficients));

        Assert.True(coefficients.IsZero);
        Assert.Equal(0, TokenGrids.Scalar(gsec.LossTerm(TokenEntropy.FromLogits(logits), TokenGrids.Mask(T, Lengths), weights, coefficients)));
        Assert.True(TokenGrids.Identical(lossNone, lossGsec));
        Assert.True(TokenGrids.Identical(gradNone, gradGsec));
    }

    [Fact]
    public void An_active_constraint_pushes_entropy_up()
    {
        var coefficients = CoefficientsAfterDeficit(Config, deficitSteps: 3);
        var weights = GroupSequentialEntropy.Weights(Buckets, GroupIds);
        var logits = (randn([N, T, V], generator: new Generator(4)) * 3).requires_grad_();

        var before = GroupSequentialEntropy.BucketEntropies(TokenEntropy.FromLogits(logits), weights).detach();
        var term = EntropyRegularizer.GsecTerm(TokenEntropy.FromLogits(logits), weights, coefficients);
        term.backward();
        using (no_grad())
        {
            logits.sub_(logits.grad! * 10);
        }
        var after = GroupSequentialEntropy.BucketEntropies(TokenEntropy.FromLogits(logits), weights);

        Assert.All(coefficients.Alpha, a => Assert.True(a > 0));
        Assert.True(TokenGrids.Scalar(term) < 0);
        Assert.All(TokenGrids.Values(after - before), d => Assert.True(d > 0));
    }

    [Fact]
    public void Gsec_term_gradient_matches_finite_differences_in_float64()
    {
        var weights = GroupSequentialEntropy.Weights(Buckets, GroupIds);
        var coefficients = new EntropyCoefficients(0, [0.3, 0.1], [0.05, 0.02], [1, 1], [2, 2], false);
        const double tau = 1.3;
        Tensor Term(Tensor z) => EntropyRegularizer.GsecTerm(TokenEntropy.FromLogits(z, tau), weights, coefficients);
        var logits = (randn([N, T, V], ScalarType.Float64, generator: new Generator(5)) * 2).requires_grad_();

        Term(logits).backward();
        var analytic = TokenGrids.Values(logits.grad!.reshape(N * T, V));

        var flat = logits.detach().clone().reshape(-1);
        var numeric = new double[flat.shape[0]];
        const double eps = 1e-6;
        using (no_grad())
        {
            for (var i = 0; i < numeric.Length; i++)
            {
                var x = flat[i].item<double>();
                flat[i] = tensor(x + eps, ScalarType.Float64);
                var up = TokenGrids.Scalar(Term(flat.reshape(N, T, V)));
                flat[i] = tensor(x - eps, ScalarType.Float64);
                var down = TokenGrids.Scalar(Term(flat.reshape(N, T, V)));
                flat[i] = tensor(x, ScalarType.Float64);
                numeric[i] = (up - down) / (2 * eps);
            }
        }

        Assert.Contains(analytic, g => Math.Abs(g) > 1e-3); // the check is not vacuous
        for (var i = 0; i < numeric.Length; i++)
        {
            Assert.True(Math.Abs(analytic[i] - numeric[i]) < 1e-8, $"element {i}: analytic {analytic[i]}, numeric {numeric[i]}");
        }
        // Padding and answer-step positions get no gradient.
        Assert.All(analytic.AsSpan((5 * V), V).ToArray(), g => Assert.Equal(0, g));
    }

    [Fact]
    public void Bonus_is_minus_c_times_the_token_mean()
    {
        var h = TokenGrids.Float32(new double[,] { { 1, 2, 3 }, { 4, double.NaN, double.NaN } });
        var mask = TokenGrids.Mask(3, 3, 1);
        var bonus = new EntropyRegularizer(TestConfigs.Entropy(EntropyMode.Bonus) with { BonusCoefficient = 0.01 });

        Assert.Equal(-0.01 * 2.5, TokenGrids.Scalar(bonus.LossTerm(h, mask)), 6);
    }

    [Fact]
    public void Adaptive_global_is_the_gsec_term_on_one_bucket()
    {
        var oneBucket = new TokenBucketIds(Enumerable.Range(0, N * T).Select(i => Buckets[i / T, i % T] >= 0 ? 0 : -1).ToArray(), N, T, 1);
        var weights = GroupSequentialEntropy.Weights(oneBucket, GroupIds);
        var h = rand(N, T, generator: new Generator(6));
        var coefficients = new EntropyCoefficients(0, [0.02], [0.0], [1], [0], false);
        var adaptive = new EntropyRegularizer(TestConfigs.Entropy(EntropyMode.AdaptiveGlobal));

        var term = adaptive.LossTerm(h, TokenGrids.Mask(T, Lengths), weights, coefficients);

        Assert.Equal(-0.02 * TokenGrids.Values(GroupSequentialEntropy.BucketEntropies(h, weights))[0], TokenGrids.Scalar(term), 6);
        Assert.Throws<ArgumentException>(() => adaptive.LossTerm(h, TokenGrids.Mask(T, Lengths), GroupSequentialEntropy.Weights(Buckets, GroupIds),
                                                                 CoefficientsAfterDeficit(Config, 1)));
    }

    [Fact]
    public void Modes_without_an_additive_term_return_an_exact_zero()
    {
        var h = rand(N, T);
        foreach (var mode in new[] { EntropyMode.None, EntropyMode.ClipCov, EntropyMode.KlCov, EntropyMode.Forking })
        {
            var regularizer = new EntropyRegularizer(TestConfigs.Entropy(mode));
            Assert.Equal(0, TokenGrids.Scalar(regularizer.LossTerm(h, TokenGrids.Mask(T, Lengths))));
        }
    }

    [Fact]
    public void Bad_term_inputs_are_rejected()
    {
        var h = rand(N, T);
        var mask = TokenGrids.Mask(T, Lengths);
        var weights = GroupSequentialEntropy.Weights(Buckets, GroupIds);
        var gsec = new EntropyRegularizer(TestConfigs.Entropy(EntropyMode.Gsec));

        Assert.Throws<ArgumentException>(() => gsec.LossTerm(h, mask));
        Assert.Throws<ArgumentException>(() => gsec.LossTerm(h, mask, weights, new EntropyCoefficients(0, [0.1], [0.0], [1], [0], false)));
        Assert.Throws<ArgumentException>(() =>
            gsec.LossTerm(h, mask, weights, new EntropyCoefficients(0, [double.NaN, 0], [0.0, 0], [1, 1], [0, 0], false)));
        Assert.Throws<ArgumentException>(() =>
            gsec.LossTerm(h[.., ..3], mask, weights, new EntropyCoefficients(0, [0.1, 0], [0.0, 0], [1, 1], [0, 0], false)));
        Assert.Throws<ArgumentException>(() => new EntropyRegularizer(TestConfigs.Entropy((EntropyMode)42)));
    }

    [Fact]
    public void Shape_token_loss_dispatches_by_mode()
    {
        var loss = rand(N, T, generator: new Generator(7)) + 1;
        var mask = TokenGrids.Mask(T, Lengths);
        var inputs = new TokenLossInputs(
            Advantages: randn(N, T, generator: new Generator(8)) * 4,
            LogpTheta: -rand(N, T, generator: new Generator(9)) * 4,
            LogpProx: -rand(N, T, generator: new Generator(10)) * 4,
            Clipped: zeros(N, T),
            Mask: mask,
            TokenEntropy: rand(N, T, generator: new Generator(12)),
            LearnerStep: 3,
            Minibatch: 1);
        Tensor Shape(EntropyMode mode, TokenLossInputs i) =>
            new EntropyRegularizer(TestConfigs.Entropy(mode) with { CovRatio = 0.2, ClipCovLower = -100, ClipCovUpper = 100, Seed = 1 })
                .ShapeTokenLoss(loss, i);

        Assert.Same(loss, Shape(EntropyMode.None, inputs));
        Assert.Same(loss, Shape(EntropyMode.Gsec, inputs));

        var clipCov = Shape(EntropyMode.ClipCov, inputs);
        Assert.True(TokenGrids.Identical(clipCov, Shape(EntropyMode.ClipCov, inputs))); // seeded by (seed, step, minibatch)
        Assert.Equal(3, TokenGrids.Values((clipCov == 0) & (mask > 0)).Count(x => x != 0)); // ⌊0.2 · 18⌋

        var forking = Shape(EntropyMode.Forking, inputs);
        Assert.InRange(TokenGrids.Values((forking != 0) & (mask > 0)).Count(x => x != 0), 3, 5);
        Assert.Throws<ArgumentException>(() => Shape(EntropyMode.Forking, inputs with { TokenEntropy = null }));

        // KL-Cov ignores the clipped loss: −A·ρ everywhere, with the penalty on ⌊0.2 · 18⌋ = 3 tokens.
        var klCov = Shape(EntropyMode.KlCov, inputs);
        var unclipped = -inputs.Advantages * (inputs.LogpTheta - inputs.LogpProx).exp();
        Assert.Equal(3, TokenGrids.Values((klCov - unclipped).abs() > 1e-6).Count(x => x != 0));
    }

    [Fact]
    public void Kl_cov_is_unclipped_everywhere_and_penalises_the_selected_tokens()
    {
        // KL-Cov (arXiv 2505.22617, veRL compute_policy_loss_kl_cov) clips no token: −A·ρ everywhere, plus k·|ℓθ − ℓprox|
        // on the top max(1, ⌊r·N⌋) tokens by Cov = (A − Ā)(ℓθ − mean ℓθ). Here Ā = 0, mean ℓθ = −1.3, so
        // Cov = [0.8, 0.9, −0.2, −0.3]: r = 0.2 of 4 tokens selects one, token 1.
        var advantages = TokenGrids.Grid(new double[,] { { 1, -1, 1, -1 } }, ScalarType.Float64);
        var logpTheta = TokenGrids.Grid(new double[,] { { -0.5, -2.2, -1.5, -1.0 } }, ScalarType.Float64);
        var logpProx = TokenGrids.Grid(new double[,] { { -1.0, -1.8, -1.5, -1.5 } }, ScalarType.Float64); // Δ = [0.5, −0.4, 0, 0.5]
        var mask = TokenGrids.Grid(new double[,] { { 1, 1, 1, 1 } }, ScalarType.Float64);
        // The PPO surrogate the learner passes in clips tokens 0 (ρ = e^0.5 > 1.28, A > 0) and 1 (ρ = e^−0.4 < 0.8, A < 0).
        using var clipped = PolicyLoss.ClippedSurrogate(logpTheta, logpProx, advantages, TestConfigs.Loss);
        var inputs = new TokenLossInputs(advantages, logpTheta, logpProx, clipped.ClippedMask, mask);
        var klCov = new EntropyRegularizer(TestConfigs.Entropy(EntropyMode.KlCov) with { CovRatio = 0.2, KlCovCoefficient = 1 });

        var loss = TokenGrids.Values(klCov.ShapeTokenLoss(clipped.PerToken, inputs));

        double[] expected = [-Math.Exp(0.5), Math.Exp(-0.4) + 0.4, -1, Math.Exp(0.5)];
        for (var t = 0; t < 4; t++) Assert.Equal(expected[t], loss[t], 12);
    }

    [Theory]
    [InlineData(EntropyMode.ClipCov)]
    [InlineData(EntropyMode.KlCov)]
    [InlineData(EntropyMode.Forking)]
    public void Shaped_losses_still_backpropagate(EntropyMode mode)
    {
        var logpTheta = (-rand(N, T, generator: new Generator(13)) * 4).requires_grad_();
        var logpProx = -rand(N, T, generator: new Generator(14)) * 4;
        var advantages = randn(N, T, generator: new Generator(15)) * 4;
        var clipLoss = -advantages * (logpTheta - logpProx).exp();
        var inputs = new TokenLossInputs(advantages, logpTheta, logpProx, zeros(N, T), TokenGrids.Mask(T, Lengths),
            rand(N, T, generator: new Generator(16)));
        var regularizer = new EntropyRegularizer(TestConfigs.Entropy(mode) with { CovRatio = 0.2, ClipCovLower = -100, ClipCovUpper = 100 });

        var shaped = regularizer.ShapeTokenLoss(clipLoss, inputs);
        GC.Collect(); // the shaping masks' handles are gone; the graph must not need them
        (shaped * inputs.Mask).sum().backward();

        Assert.Contains(TokenGrids.Values(logpTheta.grad!), g => g != 0);
        Assert.All(TokenGrids.Values(logpTheta.grad!), g => Assert.True(double.IsFinite(g)));
    }

    [Fact]
    public void Shape_token_loss_counts_the_tokens_clip_cov_and_kl_cov_pick()
    {
        var loss = rand(N, T, generator: new Generator(7)) + 1;
        var inputs = new TokenLossInputs(randn(N, T, generator: new Generator(8)) * 4, -rand(N, T, generator: new Generator(9)) * 4,
            -rand(N, T, generator: new Generator(10)) * 4, zeros(N, T), TokenGrids.Mask(T, Lengths), rand(N, T, generator: new Generator(12)));
        (Tensor Loss, long Selected) Shape(EntropyMode mode)
        {
            var shaped = new EntropyRegularizer(TestConfigs.Entropy(mode) with { CovRatio = 0.2, ClipCovLower = -100, ClipCovUpper = 100 })
                .ShapeTokenLoss(loss, inputs, out var selected);
            return (shaped, selected);
        }

        var clipCov = Shape(EntropyMode.ClipCov);
        Assert.Equal(3, clipCov.Selected); // ⌊0.2 · 18⌋, as many as it zeroed
        Assert.Equal(3, TokenGrids.Values((clipCov.Loss == 0) & (inputs.Mask > 0)).Count(x => x != 0));
        var klCov = Shape(EntropyMode.KlCov);
        Assert.Equal(3, klCov.Selected);
        // KL-Cov's loss is −A·ρ everywhere (no clipping) and differs from it by k·|Δℓ| on exactly the picked tokens.
        var unclipped = -inputs.Advantages * (inputs.LogpTheta - inputs.LogpProx).exp();
        Assert.Equal(3, TokenGrids.Values(((klCov.Loss - unclipped).abs() > 1e-6) & (inputs.Mask > 0)).Count(x => x != 0));
        Assert.Equal(0, Shape(EntropyMode.Forking).Selected);
        Assert.Equal(0, Shape(EntropyMode.None).Selected);
    }
}
