using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// The probe's raw inputs for the K non-terminal states s_0..s_{K−1} of one trajectory, before standardisation:
/// <paramref name="Hidden"/> [K, d_h] is LN(h_k) (already final: LayerNorm has no state),
/// <paramref name="Confidence"/> [K, 3] holds the raw (SC, LP, EH) of step k in row k (row 0, the prompt state, has
/// no step of its own and is zero), <paramref name="Position"/> [K] is min(k, K_B)/K_B.
/// Kept raw because stdz moves as the probe trains: replayed states are re-standardised with the current statistics.
/// </summary>
public sealed record StepFeatures(Tensor Hidden, Tensor Confidence, Tensor Position) : IDisposable
{
    /// <summary>K, the number of non-terminal states (= steps).</summary>
    public int States => (int)Hidden.shape[0];

    /// <summary>d_h.</summary>
    public int HiddenSize => (int)Hidden.shape[1];

    /// <summary>Width of the assembled probe input: d_h + 4.</summary>
    public int InputSize => HiddenSize + ConfidenceFeatures.ExtraFeatures;

    /// <summary>The raw confidence rows of the states that have a step of their own (k ≥ 1), [K−1, 3].</summary>
    public Tensor IntermediateConfidence => Confidence.narrow(0, 1, States - 1);

    public void Dispose()
    {
        Hidden.Dispose();
        Confidence.Dispose();
        Position.Dispose();
    }
}
