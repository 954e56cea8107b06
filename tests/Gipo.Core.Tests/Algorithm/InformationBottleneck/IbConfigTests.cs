using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Core.Tests.Algorithm.InformationBottleneck;

public class IbConfigTests
{
    [Fact]
    public void Defaults_are_the_tiny_model_column_of_D4()
    {
        var c = new IbConfig().Validate();

        Assert.Equal((64, 16, 1e-3), (c.EmbedDim, c.LatentDim, c.BetaIb));
        Assert.Equal((1e-3, 2, 256, 1.0), (c.ProbeLearningRate, c.Epochs, c.MinibatchSize, c.GradClip));
        Assert.Equal((0.5, 0.5, 1.0), (c.WeightIb, c.LambdaS, c.ClipIb));
        Assert.Equal((20, 0.55, 0.75, 0.9), (c.WarmupSteps, c.AucLow, c.AucHigh, c.AucEmaDecay));
        Assert.Equal((PhiSpace.Prob, 0.05, PhiSource.Probe), (c.PhiSpace, c.PhiEpsilon, c.PhiSource));
        Assert.Equal((false, 2, false, false), (c.UniformGroups, c.ReplayBatches, c.BackpropToPolicy, c.TrainOnFiltered));
        Assert.Equal(1e-3, c.BackpropCoefficient); // ζ of §C.9
        Assert.Equal(("A:", "\n", 256), (c.RefAnswerPrefix, c.RefAnswerSuffix, c.RefAnswerMicrobatch));
    }

    [Fact]
    public void Only_ref_answer_prob_does_without_a_probe()
    {
        Assert.True(new IbConfig { PhiSource = PhiSource.Probe }.UsesProbe);
        Assert.True(new IbConfig { PhiSource = PhiSource.ScLogistic }.UsesProbe);
        Assert.False(new IbConfig { PhiSource = PhiSource.RefAnswerProb }.UsesProbe);
    }

    [Fact]
    public void Validate_names_the_bad_option()
    {
        var e = Assert.Throws<ArgumentException>(() => new IbConfig { LambdaS = 1.5 }.Validate());
        Assert.Contains("LambdaS", e.Message);
        Assert.Throws<ArgumentException>(() => new IbConfig { AucLow = 0.8 }.Validate());
        Assert.Contains("BackpropCoefficient", Assert.Throws<ArgumentException>(() => new IbConfig { BackpropCoefficient = -1 }.Validate()).Message);
        Assert.Contains("RefAnswerMicrobatch", Assert.Throws<ArgumentException>(() => new IbConfig { RefAnswerMicrobatch = 0 }.Validate()).Message);
    }
}
