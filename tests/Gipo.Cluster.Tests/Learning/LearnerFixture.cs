using Gipo.Cluster.Configuration;
using Gipo.Core.Algorithm;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model;
using Gipo.Model.Native;
using Gipo.Model.Rollout;
using Gipo.Model.Sampling;
using static TorchSharp.torch;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// A small random policy, a batch of scored ColumnAdd groups it sampled, and settings read from the real preset
/// files: what whole-learner-step tests are built from.
/// </summary>
internal static class LearnerFixture
{
    public static readonly CharTokenizer Tok = CharTokenizer.Default;

    public static string Preset(string name) => Path.Combine(AppContext.BaseDirectory, "hocon", name);

    /// <summary>A preset with 4 groups per step in 2 minibatches, plus <paramref name="overrides"/>.</summary>
    public static AlgorithmSettings Settings(string preset, params string[] overrides) =>
        AlgorithmSettingsReader.Read(GipoSettings.Load(Preset(preset),
                                                       ["algorithm.batch.groups-per-step=4", "algorithm.optim.minibatches=2", .. overrides]));

    /// <summary>A 1-layer, d = 32 policy over the character vocabulary with fixed random weights.</summary>
    public static PolicyModel Policy()
    {
        NativeTorch.EnsureLoaded();
        var model = new PolicyModel(ModelConfig.Tiny(Tok.VocabSize, Tok.EosId, Tok.PadId, Tok.BosId) with
            { HiddenSize = 32, NumLayers = 1, NumHeads = 2, NumKvHeads = 2, HeadDim = 16, IntermediateSize = 64 });
        using var gen = new Generator(17);
        using var _ = no_grad();
        foreach (var (_, view) in model.HfTensorViews()) view.copy_(0.1 * randn(view.shape, generator: gen));
        return model;
    }

    /// <summary>
    /// Four groups of 4 samples from <paramref name="model"/> on the problems drawn with <paramref name="problemSeed"/>,
    /// with alternating rewards so every group is informative. The samples are marked as ended at EOS: a random
    /// policy rarely stops within 24 tokens, and truncated responses would all score 0 (§A.1).
    /// </summary>
    public static IReadOnlyList<ScoredGroup> Batch(PolicyModel model, int problemSeed = 3)
    {
        var task = ReasoningTasks.Get("column-add");
        var problems = task.Sample(Split.SftTrain, 4, problemSeed).Select((p, i) => ((long)i, p)).ToList();
        var groups = new GroupRollout(model, Tok, task).Run(problems, 4, new SamplingOptions(MaxNewTokens: 24), 0, 5);
        return groups.Select(g => g with
        {
            Members = g.Members.Select(t => t with { Finish = FinishReason.Eos }).ToList(),
            Scores = g.Scores.Select((s, i) => s with { Reward = i % 2, Success = i % 2 == 1 }).ToList(),
        }).ToList();
    }

    public static bool Identical(Tensor a, Tensor b) => a.eq(b).all().item<bool>();
}
