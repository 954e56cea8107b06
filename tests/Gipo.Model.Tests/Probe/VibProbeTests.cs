using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Model.Probe;
using static TorchSharp.torch;

namespace Gipo.Model.Tests.Probe;

public sealed class VibProbeTests
{
    public VibProbeTests() => TestModels.Init();

    [Fact]
    public void Kl_of_the_standard_normal_is_exactly_zero()
    {
        using var mu = zeros(4, 16);
        using var sigma = ones(4, 16);
        using var kl = VibProbe.KlToStandardNormal(mu, sigma);

        Assert.All(kl.data<float>().ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Kl_matches_the_closed_form_by_hand()
    {
        // One dim with μ = 1, σ = 1: ½·1 = 0.5; one with μ = 0, σ = e: ½(e² − 1 − 2) = ½(e² − 3).
        using var mu = tensor(new float[] { 1, 0 }).unsqueeze(0);
        using var sigma = tensor(new float[] { 1, (float)Math.E }).unsqueeze(0);
        using var kl = VibProbe.KlToStandardNormal(mu, sigma);

        Assert.Equal(0.5 + 0.5 * (Math.E * Math.E - 3), kl.item<float>(), 5);
    }

    [Fact]
    public void Sigma_is_softplus_shifted_by_five_plus_the_floor()
    {
        using var probe = new VibProbe(inputSize: 5, embedDim: 8, latentDim: 3, seed: 1);
        using var gen = new Generator(2);
        using var u = randn(10, 5, generator: gen);

        var (mu, sigma) = probe.Encode(u);

        Assert.Equal([10L, 3], mu.shape);
        Assert.True(sigma.min().item<float>() >= 1e-4f);
        // Small initial weights put W_σ e + b_σ near 0, so σ starts near softplus(−5) ≈ 0.0067: almost deterministic.
        Assert.InRange(sigma.mean().item<float>(), 0.002f, 0.02f);
    }

    [Fact]
    public void Scoring_is_deterministic_and_uses_the_mean_code()
    {
        using var probe = new VibProbe(6, seed: 3);
        using var gen = new Generator(4);
        using var u = randn(7, 6, generator: gen);

        using var first = probe.Score(u);
        using var second = probe.Score(u);
        using var logits = probe.Logits(u);

        Assert.False(first.requires_grad);
        Assert.True(first.equal(second).all().item<bool>());
        Assert.True(first.allclose(logits.sigmoid()));
    }

    [Fact]
    public void Same_seed_same_weights()
    {
        using var a = new VibProbe(6, seed: 5);
        using var b = new VibProbe(6, seed: 5);
        using var c = new VibProbe(6, seed: 6);
        using var gen = new Generator(7);
        using var u = randn(3, 6, generator: gen);

        Assert.True(a.Score(u).equal(b.Score(u)).all().item<bool>());
        Assert.False(c.Score(u).equal(a.Score(u)).all().item<bool>());
    }

    [Fact]
    public void Loss_is_a_weighted_mean_of_bce_plus_beta_kl()
    {
        using var probe = new VibProbe(4, embedDim: 8, latentDim: 2, seed: 8);
        using var data = new Generator(9);
        using var u = randn(6, 4, generator: data);
        using var y = tensor(new float[] { 1, 0, 1, 1, 0, 0 });
        using var w = tensor(new float[] { 0.1f, 0.2f, 0.3f, 0.1f, 0.2f, 0.1f });

        using var g1 = new Generator(10);
        using var loss = probe.Loss(u, y, w, betaIb: 0.5, g1);
        // Scaling every weight leaves a weighted mean unchanged (same noise: same generator seed).
        using var g2 = new Generator(10);
        using var scaled = probe.Loss(u, y, w * 7, betaIb: 0.5, g2);

        Assert.Equal(loss.Bce.item<float>() + 0.5f * loss.Kl.item<float>(), loss.Total.item<float>(), 5);
        Assert.Equal(loss.Total.item<float>(), scaled.Total.item<float>(), 5);
        Assert.True(loss.Kl.item<float>() > 0);
    }

    [Fact]
    public void Loss_through_input_is_the_same_loss_with_the_gradient_reaching_u()
    {
        using var probe = new VibProbe(4, embedDim: 8, latentDim: 2, seed: 8);
        using var data = new Generator(9);
        using var u = randn(6, 4, generator: data).requires_grad_(true);
        using var y = tensor(new float[] { 1, 0, 1, 1, 0, 0 });
        using var w = full(6, 1f / 6);

        using var g1 = new Generator(10);
        using var detached = probe.Loss(u, y, w, betaIb: 0.5, g1);
        using var g2 = new Generator(10);
        using var attached = probe.LossThroughInput(u, y, w, betaIb: 0.5, g2);
        attached.Total.backward();

        Assert.Equal(detached.Total.item<float>(), attached.Total.item<float>());
        Assert.True(u.grad is { } g && g.abs().sum().item<float>() > 0);
        using var gradU = u.grad!.clone();
        detached.Total.backward(); // reaches the probe's parameters only
        Assert.True(u.grad!.equal(gradU).all().item<bool>());
    }

    [Fact]
    public void Learns_a_separable_problem_to_high_held_out_auroc()
    {
        using var data = new Generator(21);
        // The label is the sign of coordinate 3 of u; the other 11 coordinates are noise.
        using var train = randn(2048, 12, generator: data);
        using var trainY = (train[.., 3] > 0).to(float32);
        using var test = randn(1024, 12, generator: data);
        var testY = (test[.., 3] > 0).data<bool>().ToArray();
        using var probe = new VibProbe(12, seed: 22);
        using var optimizer = optim.Adam(probe.parameters(), lr: 1e-3);
        using var noise = new Generator(23);
        using var weights = ones(256);

        for (var step = 0; step < 300; step++)
        {
            using var scope = NewDisposeScope();
            var index = randint(0, 2048, [256], generator: noise);
            var loss = probe.Loss(train.index_select(0, index), trainY.index_select(0, index), weights, 1e-3, noise);
            optimizer.zero_grad();
            loss.Total.backward();
            nn.utils.clip_grad_norm_(probe.parameters(), 1.0);
            optimizer.step();
        }

        var scores = probe.Score(test).to(float64).data<double>().ToArray();
        var auc = Auroc.Compute(scores, testY)!.Value;
        // Measured 0.9989 with these seeds.
        Assert.True(auc > 0.97, $"held-out AUROC {auc}");
    }
}
