namespace Gipo.Core.Tests.Algorithm;

public sealed class LearningRateTests
{
    [Fact(DisplayName = "Warm-up: lr·(k+1)/N for the first N learner steps, then lr; none when N = 0")]
    public void Warmup_is_linear_then_constant()
    {
        var s = TestConfigs.Algorithm with { LearningRate = 1e-4, WarmupSteps = 4 };
        Assert.Equal([2.5e-5, 5e-5, 7.5e-5, 1e-4, 1e-4], Enumerable.Range(0, 5).Select(k => s.LearningRateAt(k)), new ToleranceComparer(1e-18));
        Assert.Equal(1e-4, (TestConfigs.Algorithm with { LearningRate = 1e-4 }).LearningRateAt(0));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
