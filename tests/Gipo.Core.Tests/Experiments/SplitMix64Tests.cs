using Gipo.Core.Experiments;

namespace Gipo.Core.Tests.Experiments;

public sealed class SplitMix64Tests
{
    [Fact]
    public void Seed_zero_gives_the_reference_sequence()
    {
        // Vigna's splitmix64.c with x = 0.
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
    }

    [Fact]
    public void Bounded_draws_stay_in_range_and_are_near_uniform()
    {
        var rng = new SplitMix64(42);
        var counts = new int[3];
        for (var i = 0; i < 30_000; i++) counts[rng.Next(3)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_600, 10_400));
        Assert.Equal(0, rng.Next(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.Next(0));
    }
}
