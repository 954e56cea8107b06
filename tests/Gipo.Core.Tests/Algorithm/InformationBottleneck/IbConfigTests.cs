using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Core.Tests.Algorithm.InformationBottleneck;

public class IbConfigTests
{
    [Fact]
    public void Only_ref_answer_prob_does_without_a_probe()
    {
        Assert.True((TestConfigs.Ib with { PhiSource = PhiSource.Probe }).UsesProbe);
        Assert.True((TestConfigs.Ib with { PhiSource = PhiSource.ScLogistic }).UsesProbe);
        Assert.False((TestConfigs.Ib with { PhiSource = PhiSource.RefAnswerProb }).UsesProbe);
    }

    [Fact]
    public void Validate_names_the_bad_option()
    {
        var e = Assert.Throws<ArgumentException>(() => (TestConfigs.Ib with { LambdaS = 1.5 }).Validate());
        Assert.Contains("LambdaS", e.Message);
        Assert.Throws<ArgumentException>(() => (TestConfigs.Ib with { AucLow = 0.8 }).Validate());
        Assert.Contains("BackpropCoefficient",
            Assert.Throws<ArgumentException>(() => (TestConfigs.Ib with { BackpropCoefficient = -1 }).Validate()).Message);
        Assert.Contains("RefAnswerMicrobatch",
            Assert.Throws<ArgumentException>(() => (TestConfigs.Ib with { RefAnswerMicrobatch = 0 }).Validate()).Message);
    }
}
