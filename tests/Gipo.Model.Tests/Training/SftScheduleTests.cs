using Gipo.Model.Training;

namespace Gipo.Model.Tests.Training;

public sealed class SftScheduleTests
{
    [Fact]
    public void Warms_up_linearly_then_follows_a_cosine_to_the_final_fraction()
    {
        var o = new SftOptions { LearningRate = 1e-3, WarmupSteps = 10, MaxSteps = 110, FinalLearningRateFraction = 0.1 };
        Assert.Equal(1e-4, SftTrainer.LearningRateAt(1, o), 12);
        Assert.Equal(1e-3, SftTrainer.LearningRateAt(10, o), 12);
        Assert.Equal(0.55e-3, SftTrainer.LearningRateAt(60, o), 12); // halfway: the mean of peak and floor
        Assert.Equal(1e-4, SftTrainer.LearningRateAt(110, o), 12);
        Assert.Equal(1e-4, SftTrainer.LearningRateAt(500, o), 12); // past max-steps it stays at the floor
    }

    [Fact]
    public void A_final_fraction_of_one_is_constant_after_warm_up()
    {
        var o = new SftOptions { LearningRate = 1e-3, WarmupSteps = 10, MaxSteps = 110, FinalLearningRateFraction = 1.0 };
        Assert.Equal(5e-4, SftTrainer.LearningRateAt(5, o), 12);
        foreach (var step in new[] { 10, 11, 60, 109, 110 }) Assert.Equal(1e-3, SftTrainer.LearningRateAt(step, o), 12);
    }

    [Fact]
    public void A_final_fraction_outside_zero_to_one_is_rejected() =>
        Assert.Throws<ArgumentException>(() => new SftOptions { FinalLearningRateFraction = 1.5 }.Validate());
}
