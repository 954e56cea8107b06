using Gipo.Core;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model.Probe;

/// <summary>
/// The confidence-only ablation of §C.9 (<c>ib.phi_source=sc_logistic</c>): q(y = 1 | u) = sigmoid(a·SC + b) with
/// two parameters, reading only the standardised self-certainty column of u. It has no bottleneck, so its KL is 0.
/// Starts at a = b = 0, i.e. p̂ = ½ everywhere.
/// </summary>
public sealed class ScLogisticProbe : OutcomeProbe
{
    private readonly Parameter slope;
    private readonly Parameter bias;
    private readonly long column;

    /// <param name="inputSize">D = d_h + 4.</param>
    /// <param name="selfCertaintyColumn">Where stdz(SC) sits in u: d_h for the §C.2 layout.</param>
    public ScLogisticProbe(int inputSize, int selfCertaintyColumn) : base("sc_logistic_probe")
    {
        if (selfCertaintyColumn < 0 || selfCertaintyColumn >= inputSize)
            throw new ArgumentOutOfRangeException(nameof(selfCertaintyColumn), selfCertaintyColumn, $"not a column of a {inputSize}-wide input");
        (InputSize, column) = (inputSize, selfCertaintyColumn);
        slope = new Parameter(zeros(1));
        bias = new Parameter(zeros(1));
        RegisterComponents();
    }

    public override int InputSize { get; }

    protected override Tensor LogitsOf(Tensor u) => (u.select(1, column) * slope).add(bias, ConstantScalars.One);

    protected override ProbeLoss LossOf(Tensor u, Tensor y, Tensor weights, double betaIb, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var bce = F.binary_cross_entropy_with_logits(LogitsOf(u), y.to(float32), reduction: nn.Reduction.None);
        var w = weights.to(float32);
        var total = WeightedMean(bce, w);
        return new ProbeLoss(total.MoveToOuterDisposeScope(), total.detach().MoveToOuterDisposeScope(),
            zeros(Array.Empty<long>(), device: total.device).MoveToOuterDisposeScope());
    }
}
