using System.Text.Json;
using Gipo.Core.Algorithm.InformationBottleneck;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.InformationBottleneck;

public class FeatureNormalizerTests
{
    public FeatureNormalizerTests() => Torch.Init();

    private static double[][] RandomRows(int seed, int n, double offset = 0)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => new[] { offset + rng.NextDouble(), -3 + 2 * rng.NextDouble(), 10 * rng.NextDouble() }).ToArray();
    }

    private static (double[] Mean, double[] Variance) TwoPass(double[][] rows)
    {
        var mean = Enumerable.Range(0, 3).Select(j => rows.Average(r => r[j])).ToArray();
        var variance = Enumerable.Range(0, 3).Select(j => rows.Sum(r => Math.Pow(r[j] - mean[j], 2)) / (rows.Length - 1)).ToArray();
        return (mean, variance);
    }

    [Fact]
    public void Row_updates_match_the_two_pass_mean_and_unbiased_variance()
    {
        var rows = RandomRows(1, 500);
        var normalizer = new FeatureNormalizer();
        foreach (var row in rows) normalizer.Update(row);

        var (mean, variance) = TwoPass(rows);
        Assert.Equal(500, normalizer.Count);
        for (var j = 0; j < 3; j++)
        {
            Assert.Equal(mean[j], normalizer.Mean[j], 12);
            Assert.Equal(variance[j], normalizer.Variance[j], 10);
        }
    }

    [Fact]
    public void Merged_tensor_batches_equal_row_by_row_updates()
    {
        var rows = RandomRows(2, 300);
        var byRow = new FeatureNormalizer();
        foreach (var row in rows) byRow.Update(row);
        var byBatch = new FeatureNormalizer();
        foreach (var chunk in rows.Chunk(77))
        {
            using var t = tensor(chunk.SelectMany(r => r).ToArray(), [chunk.Length, 3], ScalarType.Float64);
            byBatch.Update(t);
        }

        Assert.Equal(byRow.Count, byBatch.Count);
        for (var j = 0; j < 3; j++)
        {
            Assert.Equal(byRow.Mean[j], byBatch.Mean[j], 12);
            Assert.Equal(byRow.Variance[j], byBatch.Variance[j], 10);
        }
    }

    [Fact]
    public void Stays_accurate_on_a_large_offset()
    {
        // Σx² − (Σx)²/n would lose every digit of a unit-scale variance at an offset of 1e9; Welford does not.
        var rows = RandomRows(3, 1000, offset: 1e9);
        var normalizer = new FeatureNormalizer();
        foreach (var chunk in rows.Chunk(100))
            normalizer.Merge(Stats(chunk));

        var (_, variance) = TwoPass(rows.Select(r => new[] { r[0] - 1e9, r[1], r[2] }).ToArray());
        Assert.Equal(variance[0], normalizer.Variance[0], 6);
        Assert.Equal(1.0 / 12, normalizer.Variance[0], 1);
    }

    private static FeatureNormalizerState Stats(double[][] rows)
    {
        var n = new FeatureNormalizer();
        foreach (var row in rows) n.Update(row);
        return n.State;
    }

    [Fact]
    public void Normalize_standardises_arrays_and_tensors_alike()
    {
        var normalizer = new FeatureNormalizer();
        normalizer.Update([1, 10, 0]);
        normalizer.Update([3, 30, 0]);
        // mean [2, 20, 0]; unbiased variance [2, 200, 0 → floor 1e-8].

        var z = normalizer.Normalize([4, 20, 0]);
        Assert.Equal(2 / Math.Sqrt(2), z[0], 12);
        Assert.Equal(0, z[1], 12);
        Assert.Equal(0, z[2], 12);

        using var rows = tensor(new double[] { 4, 20, 0, 0, 0, 0 }, [2, 3], ScalarType.Float64);
        using var normalized = normalizer.Normalize(rows);
        var values = normalized.data<double>().ToArray();
        for (var j = 0; j < 3; j++) Assert.Equal(z[j], values[j], 12);
        Assert.Equal(-2 / Math.Sqrt(2), values[3], 12);
    }

    [Fact]
    public void Passes_features_through_unscaled_before_two_rows()
    {
        var normalizer = new FeatureNormalizer();
        Assert.Equal([1.5, -2, 0], normalizer.Normalize([1.5, -2, 0]));
        normalizer.Update([1, 1, 1]);
        Assert.Equal([0.5, -3, -1], normalizer.Normalize([1.5, -2, 0]));
    }

    [Fact]
    public void State_round_trips_through_json()
    {
        var normalizer = new FeatureNormalizer();
        foreach (var row in RandomRows(4, 50)) normalizer.Update(row);

        var restored = new FeatureNormalizer();
        restored.Restore(JsonSerializer.Deserialize<FeatureNormalizerState>(JsonSerializer.Serialize(normalizer.State))!);

        Assert.Equal(normalizer.Count, restored.Count);
        Assert.Equal(normalizer.Normalize([0.3, 0.2, 0.1]), restored.Normalize([0.3, 0.2, 0.1]));
    }

    [Fact]
    public void Rejects_rows_of_the_wrong_width()
    {
        var normalizer = new FeatureNormalizer();
        Assert.Throws<ArgumentException>(() => normalizer.Update([1.0, 2.0]));
        Assert.Throws<InvalidDataException>(() => normalizer.Restore(new FeatureNormalizerState(1, [0.0], [0.0])));
    }
}
