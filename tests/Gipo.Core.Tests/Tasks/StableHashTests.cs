using Gipo.Core.Tasks;

namespace Gipo.Core.Tests.Tasks;

public class StableHashTests
{
    [Theory]
    [InlineData("", 0xcbf29ce484222325UL)]
    [InlineData("a", 0xaf63dc4c8601ec8cUL)]
    [InlineData("foobar", 0x85944171f73967e8UL)]
    public void Fnv1a64_matches_the_reference_vectors(string text, ulong expected)
    {
        Assert.Equal(expected, StableHash.Fnv1a64(text));
    }

    [Fact]
    public void About_one_key_in_ten_is_held_out()
    {
        var heldOut = Enumerable.Range(0, 100_000).Count(i => SplitPartition.IsHeldOut($"{i}+{i * 7}"));

        Assert.InRange(heldOut, 9_500, 10_500);
    }

    [Theory]
    [InlineData(Split.SftTrain, false, true)]
    [InlineData(Split.SftTest, true, true)]
    [InlineData(Split.RlTrain, false, false)]
    [InlineData(Split.RlTest, true, false)]
    [InlineData(Split.Ood, false, false)]
    public void Split_queries(Split split, bool heldOut, bool sft)
    {
        Assert.Equal(heldOut, split.IsHeldOut());
        Assert.Equal(sft, split.IsSft());
    }
}
