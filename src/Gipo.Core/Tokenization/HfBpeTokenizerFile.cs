using System.Text.Json;
using System.Text.RegularExpressions;
using static Gipo.Core.Tokenization.TokenizerJson;

namespace Gipo.Core.Tokenization;

/// <summary>The parts of a byte-level BPE <c>tokenizer.json</c> that decide its ids, validated.</summary>
internal sealed record HfBpeTokenizerFile(
    IReadOnlyDictionary<string, int> Vocab,
    IReadOnlyList<string> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    IReadOnlyList<Regex> SplitPatterns,
    bool NormalizeNfc,
    bool IgnoreMerges,
    int? PaddingId)
{
    /// <summary>The pattern a ByteLevel pre-tokenizer splits with when <c>use_regex</c> is true (GPT-2's).</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static HfBpeTokenizerFile Parse(string json)
    {
        using var document = TokenizerJson.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("the root must be an object");
        }

        var model = Required(root, "model", "model", JsonValueKind.Object);
        var type = OptionalString(model, "type", "model.type")
            ?? throw Invalid("'model.type' is missing");
        if (type != "BPE")
        {
            throw Unsupported($"model type \"{type}\"; only byte-level \"BPE\" is supported");
        }

        RejectBpeOptions(model);
        var vocab = ReadVocab(model);
        var merges = ReadMerges(model, vocab);
        var splitPatterns = ReadPreTokenizer(root);
        RequireByteLevelDecoder(root);

        return new HfBpeTokenizerFile(
            vocab,
            merges,
            ReadAddedTokens(root),
            splitPatterns,
            ReadNormalizer(root),
            OptionalBool(model, "ignore_merges", "model.ignore_merges", false),
            Optional(root, "padding") is { } padding && Optional(padding, "pad_id") is { } padId ? RequiredId(padId, "padding.pad_id") : null);
    }

    private static void RejectBpeOptions(JsonElement model)
    {
        if (OptionalBool(model, "byte_fallback", "model.byte_fallback", false))
        {
            throw Unsupported("'model.byte_fallback' is true (SentencePiece-style BPE); only byte-level BPE is supported");
        }

        foreach (var affix in (ReadOnlySpan<string>)["continuing_subword_prefix", "end_of_word_suffix"])
        {
            if (!string.IsNullOrEmpty(OptionalString(model, affix, $"model.{affix}")))
            {
                throw Unsupported($"'model.{affix}' is set; byte-level BPE does not use one");
            }
        }

        if (Optional(model, "dropout") is { } dropout && !(dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() == 0))
        {
            throw Unsupported("'model.dropout' is set; encoding would not be deterministic");
        }
    }

    private static Dictionary<string, int> ReadVocab(JsonElement model)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in Required(model, "vocab", "model.vocab", JsonValueKind.Object).EnumerateObject())
        {
            vocab[entry.Name] = RequiredId(entry.Value, $"model.vocab[\"{entry.Name}\"]");
        }

        for (var b = 0; b < 256; b++)
        {
            if (!vocab.ContainsKey(ByteLevelAlphabet.ForByte((byte)b).ToString()))
            {
                throw Unsupported($"'model.vocab' has no entry for byte 0x{b:X2} ('{ByteLevelAlphabet.ForByte((byte)b)}'); a byte-level BPE vocabulary covers all 256 bytes");
            }
        }

        return vocab;
    }

    /// <summary>Reads merges in either format, as the "left right" lines Microsoft.ML.Tokenizers takes.</summary>
    private static List<string> ReadMerges(JsonElement model, Dictionary<string, int> vocab)
    {
        var merges = new List<string>();
        var index = 0;
        foreach (var entry in Required(model, "merges", "model.merges", JsonValueKind.Array).EnumerateArray())
        {
            var path = $"model.merges[{index++}]";
            var (left, right) = entry.ValueKind switch
            {
                JsonValueKind.String when entry.GetString()!.Split(' ') is [{ Length: > 0 } l, { Length: > 0 } r] => (l, r),
                JsonValueKind.Array when entry.GetArrayLength() == 2
                    && entry[0].ValueKind == JsonValueKind.String && entry[1].ValueKind == JsonValueKind.String
                    && entry[0].GetString() is { Length: > 0 } l && entry[1].GetString() is { Length: > 0 } r => (l, r),
                _ => throw Invalid($"'{path}' is malformed: expected \"left right\" or [\"left\", \"right\"], got {entry.GetRawText()}"),
            };

            if (left.Contains(' ') || right.Contains(' '))
            {
                throw Unsupported($"'{path}' has a token containing a space, which a byte-level vocabulary never has");
            }

            foreach (var token in (ReadOnlySpan<string>)[left, right, left + right])
            {
                if (!vocab.ContainsKey(token))
                {
                    throw Invalid($"'{path}' uses \"{token}\", which is not in model.vocab");
                }
            }

            merges.Add($"{left} {right}");
        }

        return merges;
    }

    /// <summary>
    /// Accepts <c>ByteLevel</c>, or a <c>Sequence</c> of <c>Split</c> steps ending in <c>ByteLevel</c>,
    /// and returns the split patterns in application order.
    /// </summary>
    private static List<Regex> ReadPreTokenizer(JsonElement root)
    {
        var steps = new List<(JsonElement Step, string Path)>();
        Flatten(Optional(root, "pre_tokenizer") ?? throw Unsupported("'pre_tokenizer' is null; byte-level BPE needs a ByteLevel pre-tokenizer"), "pre_tokenizer", steps);

        var patterns = new List<Regex>();
        for (var i = 0; i < steps.Count; i++)
        {
            var (step, path) = steps[i];
            switch (RequiredString(step, "type", $"{path}.type"))
            {
                case "Split":
                    patterns.Add(ReadSplit(step, path));
                    break;
                case "ByteLevel" when i == steps.Count - 1:
                    if (OptionalBool(step, "add_prefix_space", $"{path}.add_prefix_space", true))
                    {
                        throw Unsupported($"'{path}.add_prefix_space' is true");
                    }

                    if (OptionalBool(step, "use_regex", $"{path}.use_regex", true))
                    {
                        patterns.Add(Compile(Gpt2Pattern, path));
                    }

                    return patterns;
                case "ByteLevel":
                    throw Unsupported($"'{path}' is a ByteLevel step that is not the last pre-tokenizer");
                case var other:
                    throw Unsupported($"pre-tokenizer type \"{other}\" at '{path}'; only Split and ByteLevel are supported");
            }
        }

        throw Unsupported("'pre_tokenizer' has no ByteLevel step; only byte-level BPE is supported");
    }

    private static void Flatten(JsonElement step, string path, List<(JsonElement, string)> steps)
    {
        if (step.ValueKind == JsonValueKind.Object && OptionalString(step, "type", $"{path}.type") == "Sequence")
        {
            var index = 0;
            foreach (var inner in Required(step, "pretokenizers", $"{path}.pretokenizers", JsonValueKind.Array).EnumerateArray())
            {
                Flatten(inner, $"{path}.pretokenizers[{index++}]", steps);
            }
        }
        else if (step.ValueKind == JsonValueKind.Object)
        {
            steps.Add((step, path));
        }
        else
        {
            throw Invalid($"'{path}' must be an object");
        }
    }

    private static Regex ReadSplit(JsonElement step, string path)
    {
        var behavior = OptionalString(step, "behavior", $"{path}.behavior");
        if (behavior != "Isolated" || OptionalBool(step, "invert", $"{path}.invert", false))
        {
            throw Unsupported($"'{path}' splits with behavior \"{behavior}\"{(behavior == "Isolated" ? " inverted" : "")}; only non-inverted \"Isolated\" is supported");
        }

        var pattern = Required(step, "pattern", $"{path}.pattern", JsonValueKind.Object);
        if (OptionalString(pattern, "Regex", $"{path}.pattern.Regex") is { } regex)
        {
            return Compile(regex, path);
        }

        return OptionalString(pattern, "String", $"{path}.pattern.String") is { Length: > 0 } literal
            ? Compile(Regex.Escape(literal), path)
            : throw Invalid($"'{path}.pattern' needs a \"Regex\" or a non-empty \"String\"");
    }

    private static Regex Compile(string pattern, string path)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        catch (ArgumentException e)
        {
            throw Unsupported($"the regex at '{path}' is not valid .NET regex syntax ({e.Message})");
        }
    }

    private static bool ReadNormalizer(JsonElement root) =>
        Optional(root, "normalizer") switch
        {
            null => false,
            { } n when OptionalString(n, "type", "normalizer.type") == "NFC" => true,
            { } n => throw Unsupported($"normalizer {n.GetRawText()}; only null and NFC are supported"),
        };

    private static void RequireByteLevelDecoder(JsonElement root)
    {
        var decoder = Optional(root, "decoder");
        if (decoder is not { } d || OptionalString(d, "type", "decoder.type") != "ByteLevel")
        {
            throw Unsupported($"decoder {decoder?.GetRawText() ?? "null"}; only ByteLevel is supported");
        }
    }
}
