using Gipo.Core.Tokenization;
using Gipo.Model;
using Gipo.Model.Native;
using Gipo.Model.Training;

namespace Gipo.Cli.Tests;

/// <summary>SFT really learns: a short run on ColumnAdd cuts the loss to a fraction of its start.</summary>
public sealed class SftLearningTests
{
    [Fact]
    public void Forty_steps_of_sft_cut_the_loss_by_more_than_half()
    {
        NativeTorch.EnsureLoaded();
        TorchSharp.torch.manual_seed(3);
        var tok = CharTokenizer.Default;
        using var model = new PolicyModel(ModelConfig.Tiny(tok.VocabSize, tok.EosId, tok.PadId, tok.BosId) with { NumLayers = 2, HiddenSize = 128,
            HeadDim = 32, IntermediateSize = 256 });
        var losses = new List<double>();
        var dir = Directory.CreateTempSubdirectory("gipo-sft-").FullName;
        try
        {
            new SftTrainer(model, tok, tok.ToJson()).Run(
                new SftOptions { MaxSteps = 40, BatchSize = 16, WarmupSteps = 5, EvalEvery = 40, EvalPrompts = 4, LearningRate = 3e-3 },
                dir, new Recorder(losses));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        Assert.Equal(40, losses.Count);
        var start = losses.Take(3).Average();
        var end = losses.TakeLast(3).Average();
        Assert.True(end < 0.5 * start, $"loss went from {start:F3} to {end:F3}");
    }

    private sealed class Recorder(List<double> losses) : IProgress<SftProgress>
    {
        public void Report(SftProgress value) => losses.Add(value.Loss);
    }
}
