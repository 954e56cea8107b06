using Gipo.Core.Algorithm.Objective;
using TorchSharp;

namespace Gipo.Core.Tests.Algorithm.Objective;

public class KlTests
{
    public KlTests() => Torch.Init();

    private static double[] Kl(KlEstimator estimator, double[] theta, double[] reference)
    {
        using var t = torch.tensor(theta, [1, theta.Length], torch.ScalarType.Float64);
        using var r = torch.tensor(reference, [1, reference.Length], torch.ScalarType.Float64);
        using var kl = PolicyLoss.Kl(t, r, estimator);
        return Tokens.Values(kl);
    }

    [Fact]
    public void K1_is_the_log_ratio()
    {
        Assert.Equal([0.5, -0.25], Kl(KlEstimator.K1, [-1.0, -2.0], [-1.5, -1.75]));
    }

    [Fact]
    public void K2_is_half_the_squared_log_ratio()
    {
        Assert.Equal([0.125, 0.03125], Kl(KlEstimator.K2, [-1.0, -2.0], [-1.5, -1.75]));
    }

    [Fact]
    public void K3_is_exp_d_minus_d_minus_one()
    {
        // d = ℓ^ref − ℓ^θ = 1: e − 2; d = −1: 1/e; d = 0: 0.
        var k3 = Kl(KlEstimator.K3, [-2.0, -1.0, -1.0], [-1.0, -2.0, -1.0]);

        Assert.Equal(Math.E - 2, k3[0], 12);
        Assert.Equal(1 / Math.E, k3[1], 12);
        Assert.Equal(0.0, k3[2], 12);
    }

    [Fact]
    public void K3_is_clamped_to_ten_and_its_argument_to_twenty()
    {
        // d = 3: e³ − 4 = 16.09 → 10. d = −25 → −20: e^−20 + 19 ≈ 19 → 10. d = 25 → 20: huge → 10.
        // d = −9: e^−9 + 8 = 8.0001 stays.
        var k3 = Kl(KlEstimator.K3, [-3.0, 0.0, -25.0, 0.0], [0.0, -25.0, 0.0, -9.0]);

        Assert.Equal([10.0, 10.0, 10.0], k3.Take(3));
        Assert.Equal(Math.Exp(-9) + 8, k3[3], 12);
    }

    [Fact]
    public void K3_gradient_is_one_minus_exp_d()
    {
        // dk3/dℓ^θ = −(e^d − 1) = 1 − e^d, zero where the clamp binds.
        using var theta = torch.tensor(new[] { -2.0, -3.0 }, [1, 2], torch.ScalarType.Float64);
        using var reference = torch.tensor(new[] { -1.0, 0.0 }, [1, 2], torch.ScalarType.Float64);
        theta.requires_grad = true;

        using var kl = PolicyLoss.Kl(theta, reference, KlEstimator.K3);
        kl.sum().backward();

        var grad = Tokens.Values(theta.grad!);
        Assert.Equal(1 - Math.E, grad[0], 12);
        Assert.Equal(0.0, grad[1]);
    }

    [Fact]
    public void Non_finite_reference_log_probs_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Kl(KlEstimator.K3, [-1.0], [double.NaN]));
        Assert.Contains("logpRef", e.Message);
    }
}
