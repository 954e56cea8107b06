using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Objective;

/// <summary>The base loss L_A of docs/algorithm.md §A.9 and its diagnostics.</summary>
/// <param name="Loss">Scalar loss to back-propagate; the caller owns (and disposes) it.</param>
/// <param name="Metrics">Host-side diagnostics.</param>
public sealed record PolicyLossResult(Tensor Loss, PolicyLossMetrics Metrics);
