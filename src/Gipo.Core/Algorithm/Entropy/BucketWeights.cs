using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// The hierarchical token weights of §B.4 for one batch or minibatch: ω_t = 1/(n_{g,i,b}·|I_{g,b}|·|G_b|) for a
/// token of bucket b, 0 outside the constraint, so that Ĥ_b = Σ_t ω_t H_t and each present bucket's weights sum to 1.
/// Every prompt then weighs the same, every sample within a prompt weighs the same, and long responses do not dominate.
/// </summary>
public sealed class BucketWeights
{
    private readonly double[] omega;

    internal BucketWeights(TokenBucketIds buckets, double[] omega, int[] groupsPerBucket, long[] tokensPerBucket)
    {
        Buckets = buckets;
        this.omega = omega;
        GroupsPerBucket = groupsPerBucket;
        TokensPerBucket = tokensPerBucket;
    }

    /// <summary>The bucket ids the weights were computed for.</summary>
    public TokenBucketIds Buckets { get; }

    /// <summary>|G_b|: groups with at least one token in bucket b.</summary>
    public IReadOnlyList<int> GroupsPerBucket { get; }

    /// <summary>Tokens in bucket b.</summary>
    public IReadOnlyList<long> TokensPerBucket { get; }

    public int NumBuckets => Buckets.NumBuckets;

    /// <summary>ω of token <paramref name="t"/> of sequence <paramref name="row"/>.</summary>
    public double this[int row, int t] => this.omega[(row * Buckets.Length) + t];

    /// <summary>Whether bucket <paramref name="bucket"/> has any token here (Ĥ_b is defined).</summary>
    public bool IsPresent(int bucket) => GroupsPerBucket[bucket] > 0;

    /// <summary>ω as a tensor [N, T] of the given type.</summary>
    public Tensor ToTensor(ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        tensor(this.omega, [Buckets.Rows, Buckets.Length], ScalarType.Float64).to(dtype, device ?? CPU);
}
