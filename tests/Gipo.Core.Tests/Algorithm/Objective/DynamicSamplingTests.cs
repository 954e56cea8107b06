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
    public void Bad_groups_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => DynamicSampling.IsInformative([]));
        Assert.Throws<ArgumentException>(() => DynamicSampling.IsInformative([1.0]));
        Assert.Throws<ArgumentException>(() => DynamicSampling.IsInformative([1.0, double.NaN]));
    }

    [Fact]
    public void Select_takes_informative_groups_in_order_and_stops_at_B()
    {
        var queue = new[] { AllWrong, Mixed, AllRight, [0, 1, 1, 1], [1, 0, 1, 0], Mixed };
        var pulled = 0;

        var selection = DynamicSampling.Select(Counting(queue, () => pulled++), batchGroups: 2, maxExamined: 10);

        Assert.Equal([Mixed, queue[3]], selection.Accepted);
        Assert.Equal([AllWrong, AllRight], selection.Rejected);
        Assert.Equal(2, selection.RejectedCount);
        Assert.Equal(4, selection.Examined);
        Assert.False(selection.HitCap);
        Assert.Equal(4, pulled); // nothing beyond the 2nd accepted group was taken from the queue
    }

    [Fact]
    public void Select_stops_at_the_examination_cap()
    {
        var queue = Enumerable.Repeat(AllWrong, 10).Append(Mixed).ToArray();
        var pulled = 0;

        var selection = DynamicSampling.Select(Counting(queue, () => pulled++), batchGroups: 2, maxExamined: 6);

        Assert.Empty(selection.Accepted);
        Assert.Equal(6, selection.RejectedCount);
        Assert.Equal(6, selection.Examined);
        Assert.True(selection.HitCap);
        Assert.Equal(6, pulled);
    }

    [Fact]
    public void Filling_B_on_the_last_allowed_group_is_not_hitting_the_cap()
    {
        var selection = DynamicSampling.Select([AllWrong, Mixed, Mixed], batchGroups: 2, maxExamined: 3);

        Assert.Equal(2, selection.Accepted.Count);
        Assert.False(selection.HitCap);
    }

    [Fact]
    public void A_drained_queue_returns_what_it_had()
    {
        var selection = DynamicSampling.Select([Mixed, AllRight], batchGroups: 4, maxExamined: 16);

        Assert.Single(selection.Accepted);
        Assert.Equal(2, selection.Examined);
        Assert.False(selection.HitCap);
    }

    [Fact]
    public void Select_works_on_any_group_type()
    {
        var groups = new[] { (Id: "a", R: AllRight), (Id: "b", R: Mixed) };

        var selection = DynamicSampling.Select(groups, g => g.R, batchGroups: 1, maxExamined: 2);

        Assert.Equal("b", Assert.Single(selection.Accepted).Id);
    }

    [Fact]
    public void A_cap_below_B_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DynamicSampling.Select([Mixed], batchGroups: 4, maxExamined: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => DynamicSampling.Select([Mixed], batchGroups: 0, maxExamined: 3));
    }

    private static IEnumerable<double[]> Counting(IEnumerable<double[]> source, Action onPull)
    {
        foreach (var group in source)
        {
            onPull();
            yield return group;
        }
    }
}
