using Gipo.Cluster.Configuration;
using Gipo.Core.Tasks;
using Gipo.Model.Checkpoints;
using Gipo.Model.Learning;
using Gipo.Model.Native;
using Xunit.Abstractions;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// Each preset, run synchronously for 30 learner steps from a ColumnAdd SFT checkpoint (a 0.6M-parameter
/// policy written by <c>gipo sft</c>, committed as a fixture so the test does not spend minutes on SFT), raises
/// held-out sampled pass@1. Seeded; the measured rise is printed and asserted.
/// </summary>
public sealed class LearningTests(ITestOutputHelper output)
{
    private static readonly string Checkpoint = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small");

    [Theory]
    [InlineData("grpo.conf")]
    [InlineData("drgrpo.conf")]
    [InlineData("dapo.conf")]
    [InlineData("gipo-preset.conf")]
    public void Thirty_synchronous_steps_raise_held_out_pass_at_1(string preset)
    {
        NativeTorch.EnsureLoaded();
        TorchSharp.torch.manual_seed(0);
        var settings = AlgorithmSettingsReader.Read(GipoSettings.Load(Path.Combine(AppContext.BaseDirectory, "hocon", preset),
            ["algorithm.batch.groups-per-step=8", "algorithm.batch.max-new-tokens=64", "algorithm.optim.minibatches=2"]));
        using var policy = HfCheckpoint.Load(Checkpoint);
        using var reference = settings.Loss.KlBeta > 0 ? HfCheckpoint.Load(Checkpoint) : null;
        var (tokenizer, _) = CheckpointTokenizer.Load(Checkpoint, policy.Config);
        using var learner = new GipoLearner(policy, tokenizer, settings, reference, seed: 0);
        var run = new SynchronousRun(policy, tokenizer, ReasoningTasks.Get("column-add"), learner, settings);

        var steps = run.Run(new SynchronousRunOptions
        {
            Steps = 30, TrainSplit = Split.SftTrain, EvalSplit = Split.SftTest, EvalEvery = 0, EvalPrompts = 200, EvalSamplesPerPrompt = 4, Seed = 0,
        }).ToList();
        var before = steps[0].EvalPassAt1!.Value;
        var after = steps[^1].EvalPassAt1!.Value;
        output.WriteLine($"{preset}: held-out pass@1 {before:F3} -> {after:F3} ({after - before:+0.000;-0.000}) after " +
                         $"{learner.Step} learner steps, " +
                         $"{steps[^1].SamplesTotal} samples, {steps.Sum(s => s.Seconds):F0} s");
        Assert.Equal(30, steps.Count(s => s.Learner is not null) + steps.Count(s => s.Learner is null && s.GroupsExamined > 0));
        Assert.True(after > before + 0.02, $"{preset}: pass@1 {before:F3} -> {after:F3}");
    }
}
