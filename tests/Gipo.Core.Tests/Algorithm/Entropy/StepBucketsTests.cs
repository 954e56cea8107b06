using Gipo.Core.Algorithm.Entropy;

namespace Gipo.Core.Tests.Algorithm.Entropy;

public sealed class StepBucketsTests
{
    public StepBucketsTests() => Gipo.Core.Tests.Algorithm.Torch.Init(); // ToTensor touches TorchSharp

    [Fact]
    public void Absolute_buckets_share_the_last_from_step_kb_on()
    {
        Assert.Equal([0, 1, 2, 2, 2, 2], Enumerable.Range(1, 6).Select(k => StepBuckets.BucketOf(k, 6, 3, BucketPosition.Absolute)));
    }

    [Fact]
    public void Relative_buckets_follow_the_fraction_of_the_response()
    {
        Assert.Equal([0, 0, 1, 1], Enumerable.Range(1, 4).Select(k => StepBuckets.BucketOf(k, 4, 2, BucketPosition.Relative)));
        Assert.Equal([0, 1, 2, 3], Enumerable.Range(1, 4).Select(k => StepBuckets.BucketOf(k, 4, 4, BucketPosition.Relative)));
        Assert.Equal([0, 2], Enumerable.Range(1, 2).Select(k => StepBuckets.BucketOf(k, 2, 4, BucketPosition.Relative)));
    }

    [Fact]
    public void One_bucket_holds_every_intermediate_step()
    {
        Assert.All(Enumerable.Range(1, 5), k => Assert.Equal(0, StepBuckets.BucketOf(k, 5, 1, BucketPosition.Absolute)));
    }

    [Fact]
    public void Token_ids_exclude_answer_steps_and_padding()
    {
        // Steps [0,1] [2,3,4] [5] (answer) in a row padded to 8; a one-step response is all answer.
        var three = new StepSegmentation(3, [[0, 1], [2, 3, 4], [5]], [1, 4, 5], [false, false, true]);
        var one = new StepSegmentation(1, [[0, 1]], [1], [true]);

        var ids = StepBuckets.Assign([three, one], paddedLength: 8, numBuckets: 2, BucketPosition.Absolute);

        Assert.Equal([0, 0, 1, 1, 1, -1, -1, -1], ids.Row(0).ToArray());
        Assert.Equal(Enumerable.Repeat(-1, 8), ids.Row(1).ToArray());
        Assert.Equal([2L, 8], ids.ToTensor().shape);
        Assert.Equal(ids.Row(0).ToArray(), ids.SelectRows([1, 0]).Row(1).ToArray());
    }

    [Fact]
    public void An_answer_step_in_the_middle_is_excluded()
    {
        var s = new StepSegmentation(3, [[0], [1], [2]], [0, 1, 2], [false, true, true]);

        Assert.Equal([0, -1, -1], StepBuckets.Assign([s], 3, 4, BucketPosition.Absolute).Row(0).ToArray());
    }

    [Fact]
    public void Bad_inputs_are_rejected()
    {
        var s = new StepSegmentation(1, [[0, 1, 2]], [2], [true]);

        Assert.Throws<ArgumentException>(() => StepBuckets.Assign([s], 3, 0, BucketPosition.Absolute));
        Assert.Throws<ArgumentException>(() => StepBuckets.Assign([s], 2, 1, BucketPosition.Absolute));
        Assert.Throws<ArgumentException>(() => StepBuckets.BucketOf(0, 3, 2, BucketPosition.Absolute));
        Assert.Throws<ArgumentException>(() => StepBuckets.BucketOf(4, 3, 2, BucketPosition.Relative));
        Assert.Throws<ArgumentException>(() => new TokenBucketIds([0, 5], 1, 2, 2));
        Assert.Throws<ArgumentException>(() => new TokenBucketIds([0, 1, 0], 1, 2, 2));
    }
}
