namespace Gipo.Core.Experiments;

/// <summary>
/// Sample efficiency of one training run (docs/algorithm.md §E.3): evaluation pass@1 as a function of cumulative
/// trajectories generated, x, at the run's evaluation points. x counts every generated trajectory (dynamic-sampling
/// rejects and stale drops included), so methods are compared at equal generation cost, not equal learner steps.
/// </summary>
public static class SampleEfficiency
{
    /// <summary>
    /// Trapezoid area under y(x) divided by the x-range, i.e. the average pass@1 over the run's span of trajectories;
    /// null with fewer than two points or a zero x-range, where no area is defined. x must be non-decreasing.
    /// </summary>
    public static double? NormalizedArea(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Validate(x, y);
        if (x.Count < 2 || x[^1] == x[0]) return null;
        double area = 0;
        for (var i = 1; i < x.Count; i++) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        return area / (x[^1] - x[0]);
    }

    /// <summary>
    /// The x at which y first reaches <paramref name="level"/>, linearly interpolated between the last point below it
    /// and the first point at or above it; the first x when the run starts at or above the level; null if never reached.
    /// </summary>
    public static double? TrajectoriesToReach(IReadOnlyList<double> x, IReadOnlyList<double> y, double level)
    {
        Validate(x, y);
        for (var i = 0; i < x.Count; i++)
        {
            if (y[i] < level) continue;
            if (i == 0) return x[0];
            var fraction = (level - y[i - 1]) / (y[i] - y[i - 1]);
            return x[i - 1] + fraction * (x[i] - x[i - 1]);
        }
        return null;
    }

    private static void Validate(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} x values but {y.Count} y values");
        for (var i = 0; i < x.Count; i++)
        {
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i])) throw new ArgumentException($"point {i} is not finite ({x[i]}, {y[i]})");
            if (i > 0 && x[i] < x[i - 1]) throw new ArgumentException($"x decreases at point {i} ({x[i - 1]} then {x[i]})");
        }
    }
}
