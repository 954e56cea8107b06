using Gipo.Model.Training;
using static TorchSharp.torch;

namespace Gipo.Model.Tests.Training;

public sealed class FlatAdamWTests
{
    private static Tensor Loss(PolicyModel model) =>
        model.Forward(tensor(new long[,] { { 5, 9, 14, 3, 22, 7 } })).Logits.pow(2).mean();

    [Fact]
    public void Matches_torch_AdamW_step_for_step()
    {
        using var ours = TestModels.Random(TestModels.Config(qwen: true), seed: 9);
        using var reference = TestModels.Random(TestModels.Config(qwen: true), seed: 9);
        using var flat = new FlatAdamW(ours.named_parameters(), lr: 1e-2, weightDecay: 0.1, decays: (_, _) => true);
        using var adamw = optim.AdamW(reference.parameters(), lr: 1e-2, weight_decay: 0.1);

        for (var step = 0; step < 5; step++)
        {
            flat.ZeroGrad();
            Loss(ours).backward();
            flat.StepOnce();
            adamw.zero_grad();
            Loss(reference).backward();
            adamw.step();
        }
        // The key bias gets a gradient of rounding noise only (softmax is invariant to a constant shift of every
        // key score), and Adam's m/sqrt(v) turns noise into ±lr steps whose sign is arbitrary: not comparable.
        foreach (var ((name, a), (_, b)) in ours.HfTensorViews().Zip(reference.HfTensorViews()).Where(p => !p.First.Name.EndsWith("k_proj.bias")))
            Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-6), $"{name}: max diff {(a - b).abs().max().item<float>()}");
    }

    [Fact]
    public void Parameters_and_gradients_are_views_of_the_flat_buffers()
    {
        using var model = TestModels.Random(TestModels.Config(), seed: 10);
        using var opt = new FlatAdamW(model.named_parameters());
        Assert.Equal(model.parameters().Sum(p => p.numel()), opt.ParameterCount);
        Loss(model).backward();
        var gradNorm = Math.Sqrt(model.parameters().Sum(p => p.grad!.pow(2).sum().item<float>()));
        Assert.Equal(gradNorm, opt.ClipGradNorm(1e9), 3);

        using (no_grad()) opt.Parameters.zero_();
        Assert.All(model.parameters(), p => Assert.Equal(0f, p.abs().sum().item<float>()));
        opt.ZeroGrad();
        Assert.All(model.parameters(), p => Assert.Equal(0f, p.grad!.abs().sum().item<float>()));
    }

    [Fact]
    public void Clipping_bounds_the_global_norm()
    {
        using var model = TestModels.Random(TestModels.Config(), seed: 11);
        using var opt = new FlatAdamW(model.named_parameters());
        Loss(model).backward();
        var before = opt.ClipGradNorm(1e-3);
        Assert.True(before > 1e-3);
        Assert.Equal(1e-3, opt.Gradients.norm().item<float>(), 5);
    }
}
