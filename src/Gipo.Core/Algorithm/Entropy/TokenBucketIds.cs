using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// The bucket of every token of a batch, [N, T] row-major: 0..K_B−1 for tokens of intermediate steps, −1 for
/// tokens outside the constraint (answer steps and padding). Held on the host because the hierarchical weights
/// (§B.4) are counts over it; <see cref="ToTensor"/> moves it to a device.
/// </summary>
public sealed class TokenBucketIds
{
    /// <summary>The id of a token outside the constraint.</summary>
    public const int None = -1;

    private readonly int[] ids;

    /// <param name="ids">Row-major [rows, length] bucket ids, each −1 or in [0, numBuckets).</param>
    public TokenBucketIds(int[] ids, int rows, int length, int numBuckets)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (numBuckets < 1)
        {
            throw new ArgumentException($"the number of buckets K_B must be at least 1, got {numBuckets}", nameof(numBuckets));
        }
        if (ids.Length != (long)rows * length)
        {
            throw new ArgumentException($"{ids.Length} bucket ids do not fill [{rows}, {length}]", nameof(ids));
        }
        var bad = Array.FindIndex(ids, id => id < None || id >= numBuckets);
        if (bad >= 0)
        {
            throw new ArgumentException($"bucket id {ids[bad]} at flat index {bad} is outside [-1, {numBuckets})", nameof(ids));
        }
        this.ids = [.. ids]; // a copy: the caller may reuse its buffer
        Rows = rows;
        Length = length;
        NumBuckets = numBuckets;
    }

    /// <summary>N: sequences.</summary>
    public int Rows { get; }

    /// <summary>T: padded response length.</summary>
    public int Length { get; }

    /// <summary>K_B.</summary>
    public int NumBuckets { get; }

    /// <summary>The bucket of token <paramref name="t"/> of sequence <paramref name="row"/>, or −1.</summary>
    public int this[int row, int t] => this.ids[(row * Length) + t];

    /// <summary>One sequence's bucket ids.</summary>
    public ReadOnlySpan<int> Row(int row) => this.ids.AsSpan(row * Length, Length);

    /// <summary>The ids as an int64 tensor [N, T] (−1 kept).</summary>
    public Tensor ToTensor(Device? device = null) =>
        tensor(this.ids.Select(id => (long)id).ToArray(), [Rows, Length], ScalarType.Int64, device);

    /// <summary>The rows of a minibatch, in the given order (for weights recomputed within the minibatch, §B.4).</summary>
    public TokenBucketIds SelectRows(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var ids = new int[rows.Count * Length];
        for (var r = 0; r < rows.Count; r++)
        {
            if ((uint)rows[r] >= (uint)Rows)
            {
                throw new ArgumentException($"row {rows[r]} is outside [0, {Rows})", nameof(rows));
            }
            Row(rows[r]).CopyTo(ids.AsSpan(r * Length, Length));
        }
        return new TokenBucketIds(ids, rows.Count, Length, NumBuckets);
    }
}
