using Gipo.Core.Algorithm.Objective;

namespace Gipo.Core.Tests.Algorithm.Objective;

public class DynamicSamplingTests
{
    private static readonly double[] Mixed = [1, 0, 0, 0];
    private static readonly double[] AllWrong = [0, 0, 0, 0];
    private static readonly double[] AllRight = [1, 1, 1, 1];

    [Fact]
    public void Informative_means_the_rewards_differ()
    {
        Assert.True(DynamicSampling.IsInformative(Mixed));
        Assert.True(DynamicSampling.IsInformative([0.2, 0.3]));
        Assert.False(DynamicSampling.IsInformative(AllWrong));
        Assert.False(DynamicSampling.IsInformative(AllRight));
        Assert.False(DynamicSampling.IsInformative([-0.5, -0.5]));
    }

    [Fact]
    public void Fewer_than_two_rewards_never_differ()
    {
        Assert.False(DynamicSampling.IsInformative([]));
        Assert.False(DynamicSampling.IsInformative([1.0]));
    }
}
