using Gipo.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gipo.Model.Training;

/// <summary>
/// AdamW (decoupled weight decay, Loshchilov &amp; Hutter; same update as <c>torch.optim.AdamW</c>) over one flat
/// buffer. Every parameter is re-pointed to a view of a single contiguous tensor and its gradient to a view of a
/// second one, so the update, gradient clipping and zeroing are a handful of kernels over the whole model
/// instead of a handful per parameter — per-parameter launches are what made a naive TorchSharp loop 0.55x of
/// PyTorch on a GPU.
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    private readonly Tensor flat, grad, expAvg, expAvgSq, decayMask;
    private readonly double beta1, beta2, eps, weightDecay;

    /// <param name="parameters">Trainable parameters with their names; all must share one device and dtype.</param>
    /// <param name="decays">Which parameters get weight decay (by name); the usual choice is matrices only.</param>
    public FlatAdamW(IEnumerable<(string Name, Parameter Param)> parameters, double lr = 1e-3, double beta1 = 0.9,
        double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01, Func<string, Parameter, bool>? decays = null)
    {
        var list = parameters.Where(p => p.Param.requires_grad).ToList();
        if (list.Count == 0) throw new ArgumentException("no trainable parameters");
        var dtype = list[0].Param.dtype;
        var device = list[0].Param.device;
        if (list.Any(p => p.Param.dtype != dtype || p.Param.device.ToString() != device.ToString()))
            throw new ArgumentException("all parameters must share one dtype and device");
        decays ??= (_, p) => p.dim() >= 2;

        LearningRate = lr;
        (this.beta1, this.beta2, this.eps, this.weightDecay) = (beta1, beta2, eps, weightDecay);
        var total = list.Sum(p => p.Param.numel());
        flat = zeros(total, dtype, device);
        grad = zeros(total, dtype, device);
        expAvg = zeros(total, dtype, device);
        expAvgSq = zeros(total, dtype, device);
        decayMask = zeros(total, dtype, device);

        using var _ = no_grad();
        // After the fields above, so it frees only the views and copies made below (docs/style.md, "Tensor lifetimes").
        using var scope = NewDisposeScope();
        long offset = 0;
        foreach (var (name, p) in list)
        {
            var n = p.numel();
            var shape = p.shape;
            flat.narrow(0, offset, n).copy_(p.detach().reshape(-1));
            p.set_(flat.narrow(0, offset, n).view(shape));
            p.grad = grad.narrow(0, offset, n).view(shape);
            if (decays(name, p)) decayMask.narrow(0, offset, n).fill_(ConstantScalars.One);
            offset += n;
        }
        ParameterCount = total;
    }

    public double LearningRate { get; set; }
    public long Step { get; private set; }
    public long ParameterCount { get; }

    /// <summary>All parameters as one vector (a view: writing it changes the model).</summary>
    public Tensor Parameters => flat;

    /// <summary>All gradients as one vector.</summary>
    public Tensor Gradients => grad;

    public void ZeroGrad() => grad.zero_();

    /// <summary>Scales gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before.</summary>
    public double ClipGradNorm(double maxNorm)
    {
        using var norm = grad.to(float32).norm();
        var value = norm.item<float>();
        if (double.IsFinite(value) && value > maxNorm)
        {
            using var scale = (maxNorm / (value + 1e-6)).ToScalar();
            grad.mul_(scale);
        }
        return value;
    }

    /// <summary>One AdamW update of every parameter.</summary>
    public void StepOnce()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Step++;
        var bc1 = 1 - Math.Pow(beta1, Step);
        var bc2 = 1 - Math.Pow(beta2, Step);
        // Every Scalar explicit and alive to the end of the step: an implicit one can be finalized mid-call (issue #11).
        using var decay = (LearningRate * weightDecay).ToScalar();
        using var beta1Scalar = beta1.ToScalar();
        using var beta2Scalar = beta2.ToScalar();
        using var oneMinusBeta1 = (1 - beta1).ToScalar();
        using var oneMinusBeta2 = (1 - beta2).ToScalar();
        using var sqrtBc2 = Math.Sqrt(bc2).ToScalar();
        using var epsilon = eps.ToScalar();
        using var stepSize = (-LearningRate / bc1).ToScalar();
        if (weightDecay > 0) flat.sub_(decayMask * flat.mul(decay));
        expAvg.mul_(beta1Scalar).add_(grad, alpha: oneMinusBeta1);
        expAvgSq.mul_(beta2Scalar).addcmul_(grad, grad, value: oneMinusBeta2);
        var denom = expAvgSq.sqrt().div(sqrtBc2).add_(epsilon, ConstantScalars.One);
        flat.addcdiv_(expAvg, denom, value: stepSize);
    }

    /// <summary>Optimizer state for checkpoints: step and the two moment vectors (same layout as <see cref="Parameters"/>).</summary>
    public (long Step, Tensor ExpAvg, Tensor ExpAvgSq) State => (Step, expAvg, expAvgSq);

    /// <summary>Restores state written from <see cref="State"/>.</summary>
    public void LoadState(long step, Tensor avg, Tensor avgSq)
    {
        if (avg.numel() != ParameterCount || avgSq.numel() != ParameterCount)
            throw new InvalidDataException($"optimizer state has {avg.numel()} values, the model has {ParameterCount} parameters");
        using var _ = no_grad();
        using var scope = NewDisposeScope(); // the reshaped views, held until copied
        expAvg.copy_(avg.reshape(-1));
        expAvgSq.copy_(avgSq.reshape(-1));
        Step = step;
    }

    public void Dispose()
    {
        flat.Dispose(); grad.Dispose(); expAvg.Dispose(); expAvgSq.Dispose(); decayMask.Dispose();
    }
}
