using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gipo.Model;

/// <summary>
/// Shape of a Llama/Qwen2-family decoder, read from and written to a Hugging Face <c>config.json</c>.
/// Accepts both the transformers 4.x layout (top-level <c>rope_theta</c>, <c>torch_dtype</c>) and the ≥5 layout
/// (<c>rope_parameters</c>, <c>dtype</c>).
/// </summary>
public sealed record ModelConfig
{
    public string ModelType { get; init; } = "llama";
    public int VocabSize { get; init; }
    public int HiddenSize { get; init; }
    public int IntermediateSize { get; init; }
    public int NumLayers { get; init; }
    public int NumHeads { get; init; }
    public int NumKvHeads { get; init; }
    public int HeadDim { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000.0;
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Bias on q/k/v projections (always on for Qwen2; Llama's <c>attention_bias</c>).</summary>
    public bool QkvBias { get; init; }
    /// <summary>Bias on the output projection (Llama's <c>attention_bias</c> only; Qwen2 has none).</summary>
    public bool OutputBias { get; init; }
    /// <summary>Storage dtype of the weights: <c>float32</c> or <c>bfloat16</c>.</summary>
    public string Dtype { get; init; } = "float32";
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }

    /// <summary>The 4-layer, d=256 character-level model of docs/algorithm.md §E.1 (≈3.2M parameters).</summary>
    public static ModelConfig Tiny(int vocabSize, int eosId, int padId, int? bosId = null) => new ModelConfig
    {
        ModelType = "llama", VocabSize = vocabSize, HiddenSize = 256, IntermediateSize = 704, NumLayers = 4,
        NumHeads = 4, NumKvHeads = 4, HeadDim = 64, MaxPositionEmbeddings = 512, TieWordEmbeddings = true,
        EosTokenIds = [eosId], PadTokenId = padId, BosTokenId = bosId,
    }.Validate();

    /// <summary>Checks the invariants the model code relies on; throws naming the bad field.</summary>
    public ModelConfig Validate()
    {
        Require(ModelType is "llama" or "qwen2", "model_type", $"'{ModelType}' is not supported (llama, qwen2)");
        Require(VocabSize > 0, "vocab_size", "must be positive");
        Require(HiddenSize > 0, "hidden_size", "must be positive");
        Require(IntermediateSize > 0, "intermediate_size", "must be positive");
        Require(NumLayers > 0, "num_hidden_layers", "must be positive");
        Require(NumHeads > 0, "num_attention_heads", "must be positive");
        Require(NumKvHeads > 0 && NumHeads % NumKvHeads == 0, "num_key_value_heads",
            $"{NumKvHeads} must be positive and divide num_attention_heads={NumHeads}");
        Require(HeadDim > 0 && HeadDim % 2 == 0, "head_dim", $"{HeadDim} must be positive and even (RoPE)");
        Require(RmsNormEps > 0, "rms_norm_eps", "must be positive");
        Require(RopeTheta > 0, "rope_theta", "must be positive");
        Require(MaxPositionEmbeddings > 0, "max_position_embeddings", "must be positive");
        Require(Dtype is "float32" or "bfloat16", "dtype", $"'{Dtype}' is not supported (float32, bfloat16)");
        foreach (var id in EosTokenIds)
            Require(id >= 0 && id < VocabSize, "eos_token_id", $"{id} is outside the vocabulary");
        return this;
    }

    /// <summary>Parses a Hugging Face <c>config.json</c>.</summary>
    public static ModelConfig FromHfJson(string json, string source = "config.json")
    {
        JsonNode root;
        try
        {
            root = JsonNode.Parse(json) ?? throw new InvalidDataException($"{source}: empty document");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message})", e);
        }

        var modelType = Str(root, "model_type") ?? throw new InvalidDataException($"{source}: missing 'model_type'");
        int Int(string key, int? fallback = null) =>
            root[key]?.GetValue<int>() ?? fallback ?? throw new InvalidDataException($"{source}: missing '{key}'");

        var hidden = Int("hidden_size");
        var heads = Int("num_attention_heads");
        var ropeType = Str(root["rope_parameters"], "rope_type") ?? Str(root["rope_scaling"], "rope_type") ?? "default";
        if (ropeType != "default")
            throw new InvalidDataException($"{source}: rope_type '{ropeType}' is not supported (default)");
        var theta = root["rope_parameters"]?["rope_theta"]?.GetValue<double>() ?? root["rope_theta"]?.GetValue<double>() ?? 10000.0;
        var attentionBias = root["attention_bias"]?.GetValue<bool>() ?? false;
        if (root["mlp_bias"]?.GetValue<bool>() == true)
            throw new InvalidDataException($"{source}: 'mlp_bias' = true is not supported");
        if (root["use_sliding_window"]?.GetValue<bool>() == true)
            throw new InvalidDataException($"{source}: 'use_sliding_window' = true is not supported (full attention only)");
        var dtype = Str(root, "dtype") ?? Str(root, "torch_dtype") ?? "float32";

        try
        {
            return new ModelConfig
            {
                ModelType = modelType,
                VocabSize = Int("vocab_size"),
                HiddenSize = hidden,
                IntermediateSize = Int("intermediate_size"),
                NumLayers = Int("num_hidden_layers"),
                NumHeads = heads,
                NumKvHeads = Int("num_key_value_heads", heads),
                HeadDim = root["head_dim"]?.GetValue<int>() ?? hidden / heads,
                RmsNormEps = root["rms_norm_eps"]?.GetValue<double>() ?? 1e-6,
                RopeTheta = theta,
                MaxPositionEmbeddings = Int("max_position_embeddings", 2048),
                TieWordEmbeddings = root["tie_word_embeddings"]?.GetValue<bool>() ?? false,
                QkvBias = modelType == "qwen2" || attentionBias,
                OutputBias = modelType != "qwen2" && attentionBias,
                Dtype = dtype,
                BosTokenId = root["bos_token_id"]?.GetValue<int?>(),
                EosTokenIds = root["eos_token_id"] switch
                {
                    JsonArray a => a.Select(n => n!.GetValue<int>()).ToArray(),
                    JsonValue v => [v.GetValue<int>()],
                    _ => [],
                },
                PadTokenId = root["pad_token_id"]?.GetValue<int?>(),
            }.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{source}: a field has the wrong type ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"{source}: a field has the wrong type ({e.Message})", e);
        }
    }

    /// <summary>Writes a transformers-≥5 style <c>config.json</c> that transformers can load.</summary>
    public string ToHfJson()
    {
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray(ModelType == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumLayers,
            ["num_attention_heads"] = NumHeads,
            ["num_key_value_heads"] = NumKvHeads,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = RmsNormEps,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["rope_parameters"] = new JsonObject { ["rope_theta"] = RopeTheta, ["rope_type"] = "default" },
            ["rope_theta"] = RopeTheta,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["dtype"] = Dtype,
            ["torch_dtype"] = Dtype,
        };
        if (ModelType == "llama") o["attention_bias"] = QkvBias;
        if (BosTokenId is { } bos) o["bos_token_id"] = bos;
        if (EosTokenIds.Count == 1) o["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1) o["eos_token_id"] = new JsonArray(EosTokenIds.Select(i => (JsonNode)i).ToArray());
        if (PadTokenId is { } pad) o["pad_token_id"] = pad;
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Number of parameters the model has with this shape.</summary>
    public long ParameterCount()
    {
        long d = HiddenSize, qkv = (NumHeads + 2L * NumKvHeads) * HeadDim;
        var perLayer = 2 * d + d * qkv + (QkvBias ? qkv : 0) + NumHeads * HeadDim * d + (OutputBias ? d : 0) + 3 * d * IntermediateSize;
        return VocabSize * d * (TieWordEmbeddings ? 1 : 2) + NumLayers * perLayer + d;
    }

    private static string? Str(JsonNode? node, string key) => node?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static void Require(bool ok, string key, string problem)
    {
        if (!ok) throw new ArgumentException($"'{key}' {problem}");
    }
}
