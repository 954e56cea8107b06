namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// One response cut into reasoning steps (§B.1). Step k (0-based here, k+1 in docs/algorithm.md) holds consecutive token
/// indices; together the steps cover every response token exactly once, in order.
/// </summary>
/// <param name="K">Number of steps, at least 1.</param>
/// <param name="Steps">Token indices (into the response) of each step, ascending.</param>
/// <param name="StepEnds">e_k: index of the last token of each step.</param>
/// <param name="IsAnswer">Whether each step is an answer step (excluded from the entropy constraint). The last step always is.</param>
public sealed record StepSegmentation(int K, IReadOnlyList<int[]> Steps, int[] StepEnds, bool[] IsAnswer)
{
    /// <summary>Number of response tokens covered (the EOS included when present).</summary>
    public int Length => StepEnds.Length == 0 ? 0 : StepEnds[^1] + 1;
}
