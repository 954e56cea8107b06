using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Tests.Coordination;

public sealed class PromptOrderTests
{
    [Theory(DisplayName = "Every epoch is a permutation of the data set, and epochs differ")]
    [InlineData(1L)]
    [InlineData(2L)]
    [InlineData(3L)]
    [InlineData(7L)]
    [InlineData(8L)]
    [InlineData(100L)]
    [InlineData(1000L)]
    public void Each_epoch_is_a_permutation(long n)
    {
        var epochs = Enumerable.Range(0, 3)
            .Select(e => Enumerable.Range(0, (int)n).Select(i => PromptOrder.PromptIndex(e * n + i, n, 7)).ToList())
            .ToList();
        foreach (var order in epochs) Assert.Equal(Enumerable.Range(0, (int)n).Select(i => (long)i), order.Order());
        if (n >= 7) Assert.NotEqual(epochs[0], epochs[1]);
        if (n >= 100) Assert.NotEqual(Enumerable.Range(0, (int)n).Select(i => (long)i), epochs[0]); // shuffled
    }

    [Fact(DisplayName = "The order is a pure function of (run seed, prompt count, sequence)")]
    public void Deterministic()
    {
        var a = Enumerable.Range(0, 50).Select(i => PromptOrder.Slot(i, 13, 99)).ToList();
        var b = Enumerable.Range(0, 50).Select(i => PromptOrder.Slot(i, 13, 99)).ToList();
        var c = Enumerable.Range(0, 50).Select(i => PromptOrder.Slot(i, 13, 100)).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(s => s.PromptIndex), c.Select(s => s.PromptIndex));
        Assert.Equal(50, a.Select(s => s.Seed).Distinct().Count());
        Assert.Equal(new PromptCursor(3, 11, 50), PromptOrder.Cursor(50, 13));
    }

    [Fact(DisplayName = "Huge data sets need no table")]
    public void Large_prompt_count()
    {
        const long n = 1L << 40;
        var picks = Enumerable.Range(0, 1000).Select(i => PromptOrder.PromptIndex(i, n, 1)).ToList();
        Assert.All(picks, p => Assert.InRange(p, 0, n - 1));
        Assert.Equal(1000, picks.Distinct().Count());
    }

    [Fact(DisplayName = "Golden values: journals depend on this order, so any change to it must be deliberate")]
    public void Golden_order()
    {
        var slots = Enumerable.Range(0, 4).Select(i => PromptOrder.Slot(i, 10, 42)).ToList();
        Assert.Equal(new long[] { 3, 2, 5, 8 }, slots.Select(s => s.PromptIndex));
        Assert.Equal(new ulong[] { 13679457532755275413, 2949826092126892291, 5139283748462763858, 6349198060258255764 }, slots.Select(s => s.Seed));
    }
}
