namespace Gipo.Core.Algorithm.Entropy;

/// <summary>How a step's position maps to a bucket (§B.3, key <c>gipo.algorithm.gsec.position</c>).</summary>
public enum BucketPosition
{
    /// <summary>b(k) = min(k−1, K_B−1): step k's absolute index; steps from K_B on share the last bucket. The default.</summary>
    Absolute,

    /// <summary>b(k) = ⌊K_B(k−1)/K⌋: the step's fraction of the way through its response.</summary>
    Relative,
}
