using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Core.Tokenization;

namespace Gipo.Model.Checkpoints;

/// <summary>Opens the <c>tokenizer.json</c> a checkpoint carries, with the special ids its configs name.</summary>
public static class CheckpointTokenizer
{
    /// <summary>The generation settings file of a Hugging Face checkpoint; its <c>eos_token_id</c> is what <c>generate</c> stops on.</summary>
    public const string GenerationConfigFile = "generation_config.json";

    /// <summary>
    /// A <c>WordLevel</c> file is Gipo's character tokenizer; a <c>BPE</c> file is a Hugging Face BPE (byte-level or
    /// SentencePiece-style). The end-of-sequence id is the first of <see cref="EndOfSequenceIds"/> when the checkpoint
    /// names any, so it wins over guessing from token names (and a vocabulary without a guessable name loads); the
    /// pad id of <paramref name="config"/> wins likewise.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is missing, malformed or unsupported; the message names it.</exception>
    public static (ITextTokenizer Tokenizer, string Json) Load(string directory, ModelConfig config)
    {
        var path = Path.Combine(directory, HfCheckpoint.TokenizerFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{directory}: no {HfCheckpoint.TokenizerFile}");
        var json = File.ReadAllText(path);
        string? type;
        try
        {
            type = JsonNode.Parse(json)?["model"]?["type"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: not valid JSON or 'model.type' is not a string ({e.Message})", e);
        }

        var eosIds = EndOfSequenceIds(directory, config);
        int? eos = eosIds.Count > 0 ? eosIds[0] : null;
        ITextTokenizer tokenizer;
        try
        {
            tokenizer = type switch
            {
                "WordLevel" => CharTokenizer.FromJson(json),
                "BPE" => HfBpeTokenizer.FromJson(json, eosId: eos),
                _ => throw new InvalidDataException($"tokenizer model type '{type}' is not supported (WordLevel, BPE)"),
            };
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "eosId")
        {
            throw new InvalidDataException($"{path}: the checkpoint's eos_token_id {eos} names no token of this tokenizer", e);
        }

        return (new IdOverrides(tokenizer, eos, config.PadTokenId), json);
    }

    /// <summary>
    /// The ids generation stops on, as the checkpoint names them: <c>eos_token_id</c> (an int or a list) of
    /// <c>generation_config.json</c> when that file has one, else of <c>config.json</c>; empty when neither does.
    /// </summary>
    /// <exception cref="InvalidDataException"><c>generation_config.json</c> is malformed; the message names the file and key.</exception>
    public static IReadOnlyList<int> EndOfSequenceIds(string directory, ModelConfig config)
    {
        var path = Path.Combine(directory, GenerationConfigFile);
        if (File.Exists(path) && ReadEosIds(path) is { Count: > 0 } fromGeneration)
        {
            return fromGeneration;
        }

        return config.EosTokenIds;
    }

    private static IReadOnlyList<int>? ReadEosIds(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }

        static int Id(JsonNode? node, string path) =>
            node is JsonValue value && value.TryGetValue<int>(out var id) && id >= 0
                ? id
                : throw new InvalidDataException($"{path}: 'eos_token_id' must be a non-negative integer or a list of them, " +
                                                 $"got {node?.ToJsonString() ?? "null"}");

        return (root as JsonObject)?["eos_token_id"] switch
        {
            null => null,
            JsonArray list => [.. list.Select(n => Id(n, path))],
            var single => [Id(single, path)],
        };
    }

    private sealed class IdOverrides(ITextTokenizer inner, int? eos, int? pad) : ITextTokenizer
    {
        public int VocabSize => inner.VocabSize;
        public int EosId => eos ?? inner.EosId;
        public int PadId => pad ?? inner.PadId;
        public int? BosId => inner.BosId;
        public IReadOnlyList<int> Encode(string text) => inner.Encode(text);
        public string Decode(IEnumerable<int> ids, bool skipSpecial = true) => inner.Decode(ids, skipSpecial);
        public string TokenText(int id) => inner.TokenText(id);
    }
}
