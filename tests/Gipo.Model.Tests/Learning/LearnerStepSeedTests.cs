using Gipo.Model.Learning;

namespace Gipo.Model.Tests.Learning;

/// <summary>The learner's per-step minibatch order is a pure, process-independent function of (seed, step).</summary>
public sealed class LearnerStepSeedTests
{
    [Fact]
    public void Step_seeds_are_fixed_values_of_seed_and_step()
    {
        Assert.Equal(GipoLearner.StepSeed(3, 5), GipoLearner.StepSeed(3, 5));
        Assert.NotEqual(GipoLearner.StepSeed(3, 5), GipoLearner.StepSeed(3, 6));
        Assert.NotEqual(GipoLearner.StepSeed(3, 5), GipoLearner.StepSeed(4, 5));
        // A constant, not just a repeatable value: a different process (or .NET version) must draw the same order.
        Assert.Equal(StepSeedReference(0, 0), GipoLearner.StepSeed(0, 0));
        Assert.Equal(StepSeedReference(7, 12), GipoLearner.StepSeed(7, 12));
    }

    /// <summary>SplitMix64 of (seed ^ "shuffle", step), written out independently of the implementation.</summary>
    private static int StepSeedReference(long seed, long step)
    {
        var z = unchecked((ulong)seed ^ 0x73687566666C6500UL) + unchecked(0x9E3779B97F4A7C15UL * ((ulong)step + 1));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }
}
