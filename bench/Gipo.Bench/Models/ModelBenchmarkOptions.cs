using Gipo.Model;

namespace Gipo.Bench.Models;

/// <summary>The workload, identical to <c>bench/torch_baseline.py</c>'s flags of the same names.</summary>
public sealed record ModelBenchmarkOptions
{
    public int Hidden { get; init; } = 256;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 4;
    public int Intermediate { get; init; } = 1024;
    public int Vocab { get; init; } = 128;
    public string Dtype { get; init; } = "float32";
    public int TrainBatch { get; init; } = 32;
    public int TrainSeq { get; init; } = 128;
    public int TrainSteps { get; init; } = 10;
    public int Warmup { get; init; } = 3;
    public IReadOnlyList<int> DecodeBatches { get; init; } = [1, 64];
    public int PromptLength { get; init; } = 16;
    public int NewTokens { get; init; } = 64;
    public int Seed { get; init; }

    public ModelConfig ModelConfig() => new ModelConfig
    {
        VocabSize = Vocab, HiddenSize = Hidden, IntermediateSize = Intermediate, NumLayers = Layers, NumHeads = Heads,
        NumKvHeads = KvHeads, HeadDim = Hidden / Heads, MaxPositionEmbeddings = Math.Max(2048, Math.Max(TrainSeq, PromptLength + NewTokens)),
        TieWordEmbeddings = false, Dtype = Dtype, EosTokenIds = [0], PadTokenId = 0,
    }.Validate();
}
