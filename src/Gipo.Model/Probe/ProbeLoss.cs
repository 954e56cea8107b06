using static TorchSharp.torch;

namespace Gipo.Model.Probe;

/// <summary>
/// One evaluation of a probe's training loss, each a scalar weighted by the states' weights w:
/// <paramref name="Total"/> = Σw[BCE + β·KL]/Σw (the tensor to backpropagate), <paramref name="Bce"/> = Σw·BCE/Σw and
/// <paramref name="Kl"/> = Σw·KL/Σw (nats per state), both detached.
/// </summary>
public sealed record ProbeLoss(Tensor Total, Tensor Bce, Tensor Kl) : IDisposable
{
    public void Dispose()
    {
        Total.Dispose();
        Bce.Dispose();
        Kl.Dispose();
    }
}
