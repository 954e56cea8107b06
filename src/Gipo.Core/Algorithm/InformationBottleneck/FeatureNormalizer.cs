using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// Running per-feature mean and variance for stdz(SC, LP, EH) (§C.2). Welford's update with Chan et al.'s
/// pairwise merge keeps it exact in one pass and stable however many batches arrive (no Σx² − (Σx)² cancellation).
/// The probe owns it and calls <see cref="Update(Tensor)"/> only while training, so scoring a batch never moves
/// the statistics the probe was trained under.
/// </summary>
public sealed class FeatureNormalizer
{
    /// <summary>Variance floor, so a feature that has been constant so far does not divide by zero.</summary>
    public const double MinVariance = 1e-8;

    private readonly double[] mean, m2;

    /// <param name="dimension">Number of features; §C.2 uses 3 (SC, LP, EH).</param>
    public FeatureNormalizer(int dimension = 3)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "need at least one feature");
        (mean, m2) = (new double[dimension], new double[dimension]);
    }

    public int Dimension => mean.Length;

    /// <summary>Number of rows seen.</summary>
    public long Count { get; private set; }

    /// <summary>Running mean per feature (0 before any update).</summary>
    public IReadOnlyList<double> Mean => mean;

    /// <summary>Unbiased running variance per feature; 1 until two rows have been seen, so early features pass unscaled.</summary>
    public IReadOnlyList<double> Variance => Enumerable.Range(0, Dimension).Select(VarianceOf).ToArray();

    /// <summary>Adds one row.</summary>
    public void Update(ReadOnlySpan<double> row)
    {
        RequireWidth(row.Length);
        Count++;
        for (var j = 0; j < Dimension; j++)
        {
            var delta = row[j] - mean[j];
            mean[j] += delta / Count;
            m2[j] += delta * (row[j] - mean[j]);
        }
    }

    /// <summary>Adds every row of <paramref name="rows"/> [N, D]: the batch's own moments, merged in one step.</summary>
    public void Update(Tensor rows)
    {
        if (rows.dim() != 2 || rows.shape[1] != Dimension)
            throw new ArgumentException($"expected [N, {Dimension}] rows, got [{string.Join(", ", rows.shape)}]", nameof(rows));
        var n = rows.shape[0];
        if (n == 0) return;
        using var scope = NewDisposeScope();
        var x = rows.detach().to(float64).cpu();
        var batchMean = x.mean([0]);
        var deviation = x - batchMean;
        var batchM2 = (deviation * deviation).sum([0]);
        Merge(new FeatureNormalizerState(n, batchMean.data<double>().ToArray(), batchM2.data<double>().ToArray()));
    }

    /// <summary>Merges the statistics of another set of rows (Chan et al.), as if they had been added one by one.</summary>
    public void Merge(FeatureNormalizerState other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireWidth(other.Mean.Length);
        RequireWidth(other.M2.Length);
        if (other.Count == 0) return;
        var total = Count + other.Count;
        for (var j = 0; j < Dimension; j++)
        {
            var delta = other.Mean[j] - mean[j];
            mean[j] += delta * other.Count / total;
            m2[j] += other.M2[j] + delta * delta * ((double)Count * other.Count / total);
        }
        Count = total;
    }

    /// <summary>(x − mean)/std per feature.</summary>
    public double[] Normalize(ReadOnlySpan<double> values)
    {
        RequireWidth(values.Length);
        var result = new double[Dimension];
        for (var j = 0; j < Dimension; j++) result[j] = (values[j] - mean[j]) / Math.Sqrt(VarianceOf(j));
        return result;
    }

    /// <summary>(x − mean)/std per feature of <paramref name="rows"/> [N, D], in the rows' dtype and device.</summary>
    public Tensor Normalize(Tensor rows)
    {
        if (rows.dim() != 2 || rows.shape[1] != Dimension)
            throw new ArgumentException($"expected [N, {Dimension}] rows, got [{string.Join(", ", rows.shape)}]", nameof(rows));
        var scale = Enumerable.Range(0, Dimension).Select(j => 1 / Math.Sqrt(VarianceOf(j))).ToArray();
        using var m = tensor(mean, dtype: rows.dtype, device: rows.device);
        using var s = tensor(scale, dtype: rows.dtype, device: rows.device);
        return (rows - m) * s;
    }

    /// <summary>A copy of the statistics for checkpoints.</summary>
    public FeatureNormalizerState State => new(Count, (double[])mean.Clone(), (double[])m2.Clone());

    /// <summary>Replaces the statistics with a snapshot taken with <see cref="State"/>.</summary>
    public void Restore(FeatureNormalizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Mean.Length != Dimension || state.M2.Length != Dimension || state.Count < 0 || state.M2.Any(v => v < 0))
            throw new InvalidDataException($"bad feature-normaliser state for {Dimension} features: count {state.Count}, " +
                $"{state.Mean.Length} means, {state.M2.Length} squared deviations");
        Count = state.Count;
        state.Mean.CopyTo(mean, 0);
        state.M2.CopyTo(m2, 0);
    }

    private double VarianceOf(int j) => Count < 2 ? 1.0 : Math.Max(m2[j] / (Count - 1), MinVariance);

    private void RequireWidth(int width)
    {
        if (width != Dimension) throw new ArgumentException($"expected {Dimension} features, got {width}");
    }
}
