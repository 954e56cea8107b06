using Gipo.Core.Experiments;

namespace Gipo.Core.Tests.Experiments;

public sealed class SampleEfficiencyTests
{
    private static readonly double[] X = [0, 100, 300];
    private static readonly double[] Y = [0.2, 0.4, 0.8];

    [Fact]
    public void Area_is_the_trapezoid_sum_over_the_x_range()
    {
        // 100·(0.2 + 0.4)/2 + 200·(0.4 + 0.8)/2 = 30 + 120 = 150, over a range of 300.
        Assert.Equal(0.5, SampleEfficiency.NormalizedArea(X, Y)!.Value, 12);
        // A constant curve's normalised area is that constant, whatever the spacing.
        Assert.Equal(0.3, SampleEfficiency.NormalizedArea([50, 60, 200], [0.3, 0.3, 0.3])!.Value, 12);
    }

    [Fact]
    public void Area_is_undefined_without_an_x_range()
    {
        Assert.Null(SampleEfficiency.NormalizedArea([10], [0.5]));
        Assert.Null(SampleEfficiency.NormalizedArea([10, 10], [0.5, 0.6]));
    }

    [Theory]
    [InlineData(0.6, 200.0)]  // halfway from (100, 0.4) to (300, 0.8)
    [InlineData(0.4, 100.0)]  // hit exactly at a point
    [InlineData(0.2, 0.0)]    // reached at the start
    [InlineData(0.1, 0.0)]
    [InlineData(0.3, 50.0)]
    public void Trajectories_to_a_level_interpolate_linearly(double level, double expected) =>
        Assert.Equal(expected, SampleEfficiency.TrajectoriesToReach(X, Y, level)!.Value, 9);

    [Fact]
    public void A_level_never_reached_is_null_and_the_first_crossing_counts()
    {
        Assert.Null(SampleEfficiency.TrajectoriesToReach(X, Y, 0.81));
        // Dips below after an early high point: (0, 0.5), (100, 0.3), (200, 0.7) reaches 0.6 at 100 + 100·0.75.
        Assert.Equal(175.0, SampleEfficiency.TrajectoriesToReach([0, 100, 200], [0.5, 0.3, 0.7], 0.6)!.Value, 9);
    }

    [Fact]
    public void Malformed_curves_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => SampleEfficiency.NormalizedArea([0, 2, 1], [0, 0, 0]));
        Assert.Throws<ArgumentException>(() => SampleEfficiency.NormalizedArea([0, 1], [0]));
        Assert.Throws<ArgumentException>(() => SampleEfficiency.TrajectoriesToReach([0, 1], [0, double.NaN], 0.5));
    }
}
