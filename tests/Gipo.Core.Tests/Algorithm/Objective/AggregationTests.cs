using Gipo.Core.Algorithm.Objective;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Objective;

public class AggregationTests
{
    // values [[1, 2, 3], [4, 5, 6]] under mask [[1, 1, 0], [1, 0, 0]]: row sums 3 and 4, row lengths 2 and 1.
    private static readonly double[,] Values = { { 1, 2, 3 }, { 4, 5, 6 } };
    private static readonly double[,] Mask = { { 1, 1, 0 }, { 1, 0, 0 } };

    public AggregationTests() => Torch.Init();

    private static double Aggregate(LossAggregation aggregation, int maxLength = 0, double[,]? mask = null)
    {
        using var values = Tokens.Of(Values);
        using var m = Tokens.Of(mask ?? Mask);
        using var result = PolicyLoss.Aggregate(values, m, aggregation, maxLength);
        Assert.Equal(0, result.dim());
        return Tokens.Scalar(result);
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean, 0, 7.0 / 3)] // (1 + 2 + 4) / 3 tokens
    [InlineData(LossAggregation.SeqMeanTokenMean, 0, 2.75)] // (3/2 + 4/1) / 2
    [InlineData(LossAggregation.SeqMeanTokenSum, 0, 3.5)] // (3 + 4) / 2
    [InlineData(LossAggregation.SeqMeanTokenSumNorm, 4, 0.875)] // (3/4 + 4/4) / 2
    [InlineData(LossAggregation.SeqMeanTokenSumNorm, 3, 7.0 / 6)] // (3/3 + 4/3) / 2
    public void Hand_computed_2x3_example(LossAggregation aggregation, int maxLength, double expected)
    {
        Assert.Equal(expected, Aggregate(aggregation, maxLength), 6);
    }

    [Fact]
    public void SeqMeanTokenSumNorm_needs_an_L_max_at_least_the_padded_width()
    {
        Assert.ThrowsAny<ArgumentException>(() => Aggregate(LossAggregation.SeqMeanTokenSumNorm, 0));
        var e = Assert.Throws<ArgumentException>(() => Aggregate(LossAggregation.SeqMeanTokenSumNorm, 2));
        Assert.Contains("L_max = 2", e.Message);
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean)]
    [InlineData(LossAggregation.SeqMeanTokenMean)]
    [InlineData(LossAggregation.SeqMeanTokenSum)]
    [InlineData(LossAggregation.SeqMeanTokenSumNorm)]
    public void An_empty_mask_gives_zero_not_nan(LossAggregation aggregation)
    {
        Assert.Equal(0.0, Aggregate(aggregation, 3, new double[,] { { 0, 0, 0 }, { 0, 0, 0 } }));
    }

    [Fact]
    public void Padding_values_never_leak_in()
    {
        using var a = Tokens.Of(new double[,] { { 1, 2, 100 }, { 4, -50, 7 } });
        using var m = Tokens.Of(Mask);

        using var result = PolicyLoss.Aggregate(a, m, LossAggregation.TokenMean);

        Assert.Equal(7.0 / 3, Tokens.Scalar(result), 6);
    }

    [Fact]
    public void A_mask_of_another_shape_is_rejected()
    {
        using var values = Tokens.Of(Values);
        using var mask = Tokens.Row(1, 1, 1);

        var e = Assert.Throws<ArgumentException>(() => PolicyLoss.Aggregate(values, mask, LossAggregation.TokenMean));
        Assert.Contains("mask has shape [1, 3]", e.Message);
    }

    [Fact]
    public void A_non_matrix_is_rejected()
    {
        using var vector = tensor(new float[] { 1, 2 });
        var e = Assert.Throws<ArgumentException>(() => PolicyLoss.Aggregate(vector, vector, LossAggregation.TokenMean));
        Assert.Contains("[N, T]", e.Message);
    }

    [Fact]
    public void Half_precision_is_aggregated_in_float32()
    {
        using var values = Tokens.Of(Values, ScalarType.BFloat16);
        using var mask = Tokens.Of(Mask, ScalarType.BFloat16);

        using var result = PolicyLoss.Aggregate(values, mask, LossAggregation.TokenMean);

        Assert.Equal(ScalarType.Float32, result.dtype);
    }
}
