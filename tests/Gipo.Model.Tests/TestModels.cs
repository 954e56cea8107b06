using Gipo.Model.Native;
using static TorchSharp.torch;

namespace Gipo.Model.Tests;

/// <summary>Loads the natives once and builds small models for tests.</summary>
internal static class TestModels
{
    static TestModels() => NativeTorch.EnsureLoaded();

    public static void Init() => NativeTorch.EnsureLoaded();

    public static ModelConfig Config(bool qwen = false, bool tied = false, int kvHeads = 2, string dtype = "float32") => new ModelConfig
    {
        ModelType = qwen ? "qwen2" : "llama",
        VocabSize = 37,
        HiddenSize = 32,
        IntermediateSize = 48,
        NumLayers = 2,
        NumHeads = 4,
        NumKvHeads = kvHeads,
        HeadDim = 8,
        RopeTheta = qwen ? 1e6 : 1e4,
        MaxPositionEmbeddings = 64,
        TieWordEmbeddings = tied,
        QkvBias = qwen,
        Dtype = dtype,
        EosTokenIds = [2],
        PadTokenId = 0,
    }.Validate();

    /// <summary>
    /// A model with random weights everywhere, norms and biases included, so every term is exercised. Values come
    /// from a private generator: xunit runs test classes in parallel and the global torch RNG is shared.
    /// </summary>
    public static PolicyModel Random(ModelConfig config, long seed = 1)
    {
        Init();
        var model = new PolicyModel(config);
        using var gen = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (name, view) in model.HfTensorViews())
        {
            var noise = randn(view.shape, generator: gen).to(view.dtype);
            if (name.Contains("norm")) view.copy_(1 + 0.1 * noise);
            else if (name.EndsWith(".bias")) view.copy_(0.1 * noise);
            else view.copy_(0.2 * noise);
        }
        return model;
    }

    public static Tensor Ids(long[,] ids) => tensor(ids);
}
