using System.Text.Json;
using System.Text.RegularExpressions;
using static Gipo.Core.Tokenization.TokenizerJson;

namespace Gipo.Core.Tokenization;

/// <summary>
/// The parts of a BPE <c>tokenizer.json</c> that decide its ids, validated. Two families are recognised by
/// their pre-tokenizer: byte-level (<see cref="ByteLevel"/>: GPT-2, Qwen2/3, Llama-3), and SentencePiece-style
/// over characters (Llama-2, Mistral, Gemma: no pre-tokenizer or <c>Metaspace</c>, usually with
/// <c>byte_fallback</c>), which decodes through <see cref="Decoder"/>.
/// </summary>
internal sealed record HfBpeTokenizerFile(
    IReadOnlyDictionary<string, int> Vocab,
    IReadOnlyList<(string Left, string Right)> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    TextNormalizer Normalizer,
    IReadOnlyList<SplitRule> SplitRules,
    bool ByteLevel,
    MetaspaceSplitter? Metaspace,
    TokenDecoder? Decoder,
    bool ByteFallback,
    string? UnkToken,
    bool FuseUnk,
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
            throw Unsupported($"model type \"{type}\"; only \"BPE\" (byte-level or SentencePiece-style) is supported");
        }

        RejectBpeOptions(model);
        var vocab = ReadVocab(model);
        var (byteLevel, splitRules, metaspace) = ReadPreTokenizer(root);
        if (byteLevel)
        {
            RequireByteAlphabet(vocab);
        }

        var merges = ReadMerges(model, vocab);
        var normalizer = ReadNormalizer(root);
        var byteFallback = OptionalBool(model, "byte_fallback", "model.byte_fallback", false);
        var unkToken = OptionalString(model, "unk_token", "model.unk_token");
        if (unkToken is not null && !vocab.ContainsKey(unkToken))
        {
            throw Invalid($"'model.unk_token' \"{unkToken}\" is not in model.vocab");
        }

        TokenDecoder? decoder = null;
        if (byteLevel)
        {
            if (byteFallback)
            {
                throw Unsupported("'model.byte_fallback' is true in a byte-level file; byte-level BPE never needs a fallback");
            }

            RequireByteLevelDecoder(root);
            foreach (var (left, right) in merges)
            {
                if (left.Contains(' ') || right.Contains(' '))
                {
                    throw Unsupported($"'model.merges' has a token containing a space (\"{left}\" \"{right}\"), " +
                                      $"which a byte-level vocabulary never has");
                }
            }
        }
        else
        {
            decoder = ReadSentencePieceDecoder(root);
        }

        var addedTokens = ReadAddedTokens(root);
        if (normalizer.RewritesText && addedTokens.FirstOrDefault(t => t.Normalized) is { } normalizedToken)
        {
            // Hugging Face versions differ on whether such a token is matched as written or as normalized.
            throw Unsupported($"added token \"{normalizedToken.Content}\" has \"normalized\": true and the normalizer rewrites text " +
                              $"(Prepend/Replace); set \"normalized\": false");
        }

        return new HfBpeTokenizerFile(
            vocab,
            merges,
            addedTokens,
            normalizer,
            splitRules,
            byteLevel,
            metaspace,
            decoder,
            byteFallback,
            unkToken,
            OptionalBool(model, "fuse_unk", "model.fuse_unk", false),
            OptionalBool(model, "ignore_merges", "model.ignore_merges", false),
            Optional(root, "padding") is { } padding && Optional(padding, "pad_id") is { } padId ? RequiredId(padId, "padding.pad_id") : null);
    }

    private static void RejectBpeOptions(JsonElement model)
    {
        foreach (var affix in (ReadOnlySpan<string>)["continuing_subword_prefix", "end_of_word_suffix"])
        {
            if (!string.IsNullOrEmpty(OptionalString(model, affix, $"model.{affix}")))
            {
                throw Unsupported($"'model.{affix}' is set; only BPE without word affixes is supported");
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

        return vocab;
    }

    private static void RequireByteAlphabet(Dictionary<string, int> vocab)
    {
        for (var b = 0; b < 256; b++)
        {
            if (!vocab.ContainsKey(ByteLevelAlphabet.ForByte((byte)b).ToString()))
            {
                throw Unsupported($"'model.vocab' has no entry for byte 0x{b:X2} ('{ByteLevelAlphabet.ForByte((byte)b)}'); " +
                                  $"a byte-level BPE vocabulary covers all 256 bytes");
            }
        }
    }

    /// <summary>Reads merges in either format: <c>"left right"</c> strings or <c>["left", "right"]</c> pairs.</summary>
    private static List<(string Left, string Right)> ReadMerges(JsonElement model, Dictionary<string, int> vocab)
    {
        var merges = new List<(string, string)>();
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

            foreach (var token in (ReadOnlySpan<string>)[left, right, left + right])
            {
                if (!vocab.ContainsKey(token))
                {
                    throw Invalid($"'{path}' uses \"{token}\", which is not in model.vocab");
                }
            }

            merges.Add((left, right));
        }

        return merges;
    }

    /// <summary>
    /// <c>Split</c> steps, then <c>ByteLevel</c> (byte-level BPE) or, for SentencePiece-style BPE, a <c>Metaspace</c> or
    /// nothing (Gemma 3 has a single <c>Split</c>; <c>null</c> and an empty <c>Sequence</c> are nothing at all).
    /// </summary>
    private static (bool ByteLevel, List<SplitRule> Rules, MetaspaceSplitter? Metaspace) ReadPreTokenizer(JsonElement root)
    {
        var steps = new List<(JsonElement Step, string Path)>();
        if (Optional(root, "pre_tokenizer") is { } preTokenizer)
        {
            Flatten(preTokenizer, "pre_tokenizer", "pretokenizers", steps);
        }

        var rules = new List<SplitRule>();
        for (var i = 0; i < steps.Count; i++)
        {
            var (step, path) = steps[i];
            switch (RequiredString(step, "type", $"{path}.type"))
            {
                case "Split":
                    rules.Add(ReadSplit(step, path));
                    break;
                case "ByteLevel" when i == steps.Count - 1:
                    if (OptionalBool(step, "add_prefix_space", $"{path}.add_prefix_space", true))
                    {
                        throw Unsupported($"'{path}.add_prefix_space' is true");
                    }

                    if (OptionalBool(step, "use_regex", $"{path}.use_regex", true))
                    {
                        rules.Add(new SplitRule(Compile(Gpt2Pattern, path), SplitBehavior.Isolated));
                    }

                    return (true, rules, null);
                case "ByteLevel":
                    throw Unsupported($"'{path}' is a ByteLevel step that is not the last pre-tokenizer");
                case "Metaspace" when i == steps.Count - 1:
                    return (false, rules, ReadMetaspace(step, path));
                case "Metaspace":
                    throw Unsupported($"'{path}' is a Metaspace step that is not the last pre-tokenizer");
                case var other:
                    throw Unsupported($"pre-tokenizer type \"{other}\" at '{path}'; supported: Split, then ByteLevel " +
                                      $"(byte-level BPE) or Metaspace or nothing (SentencePiece-style BPE)");
            }
        }

        return (false, rules, null);
    }

    private static void Flatten(JsonElement step, string path, string listName, List<(JsonElement, string)> steps)
    {
        if (step.ValueKind == JsonValueKind.Object && OptionalString(step, "type", $"{path}.type") == "Sequence")
        {
            var index = 0;
            foreach (var inner in Required(step, listName, $"{path}.{listName}", JsonValueKind.Array).EnumerateArray())
            {
                Flatten(inner, $"{path}.{listName}[{index++}]", listName, steps);
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

    /// <summary>A <c>Split</c> step: pattern, <c>behavior</c> (see <see cref="SplitBehavior"/>) and <c>invert</c>.</summary>
    private static SplitRule ReadSplit(JsonElement step, string path)
    {
        var behavior = OptionalString(step, "behavior", $"{path}.behavior") switch
        {
            "Isolated" => SplitBehavior.Isolated,
            "Removed" => SplitBehavior.Removed,
            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitBehavior.MergedWithNext,
            "Contiguous" => SplitBehavior.Contiguous,
            var other => throw Unsupported($"'{path}' splits with behavior \"{other}\"; expected Isolated, Removed, MergedWithPrevious, " +
                                           $"MergedWithNext or Contiguous"),
        };

        return new SplitRule(ReadPattern(step, path), behavior, OptionalBool(step, "invert", $"{path}.invert", false));
    }

    /// <summary>A <c>{"Regex": ...}</c> or non-empty <c>{"String": ...}</c> pattern, compiled.</summary>
    private static Regex ReadPattern(JsonElement step, string path)
    {
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

    private static MetaspaceSplitter ReadMetaspace(JsonElement step, string path) =>
        new(ReadReplacement(step, path), ReadPrependScheme(step, path), OptionalBool(step, "split", $"{path}.split", true));

    private static char ReadReplacement(JsonElement step, string path) =>
        RequiredString(step, "replacement", $"{path}.replacement") is { Length: 1 } replacement && !char.IsSurrogate(replacement[0])
            ? replacement[0]
            : throw Unsupported($"'{path}.replacement' must be one character of the Basic Multilingual Plane");

    /// <summary><c>prepend_scheme</c> (default <c>always</c>), or the older <c>add_prefix_space: false</c> meaning <c>never</c>.</summary>
    private static PrependScheme ReadPrependScheme(JsonElement step, string path)
    {
        var scheme = OptionalString(step, "prepend_scheme", $"{path}.prepend_scheme") switch
        {
            null => (PrependScheme?)null,
            "always" => PrependScheme.Always,
            "first" => PrependScheme.First,
            "never" => PrependScheme.Never,
            var other => throw Invalid($"'{path}.prepend_scheme' is \"{other}\"; expected always, first or never"),
        };
        if (Optional(step, "add_prefix_space") is not null && !OptionalBool(step, "add_prefix_space", $"{path}.add_prefix_space", true))
        {
            return scheme is null or PrependScheme.Never
                ? PrependScheme.Never
                : throw Invalid($"'{path}.add_prefix_space' is false but prepend_scheme is \"{scheme.ToString()!.ToLowerInvariant()}\"");
        }

        return scheme ?? PrependScheme.Always;
    }

    /// <summary><c>null</c>, or a (possibly empty or nested) <c>Sequence</c> of <c>NFC</c>, <c>Prepend</c> and <c>Replace</c>.</summary>
    private static TextNormalizer ReadNormalizer(JsonElement root)
    {
        if (Optional(root, "normalizer") is not { } normalizer)
        {
            return TextNormalizer.Identity;
        }

        var steps = new List<(JsonElement Step, string Path)>();
        Flatten(normalizer, "normalizer", "normalizers", steps);
        return new TextNormalizer([.. steps.Select(s => ReadNormalizerStep(s.Step, s.Path))]);
    }

    private static TextNormalizer.Step ReadNormalizerStep(JsonElement step, string path) =>
        RequiredString(step, "type", $"{path}.type") switch
        {
            "NFC" => new TextNormalizer.Nfc(),
            "Prepend" => new TextNormalizer.Prepend(RequiredString(step, "prepend", $"{path}.prepend")),
            "Replace" => new TextNormalizer.Replace(ReadPattern(step, path), RequiredString(step, "content", $"{path}.content")),
            var other => throw Unsupported($"normalizer type \"{other}\" at '{path}'; supported: NFC, Prepend, Replace, Sequence, null"),
        };

    private static void RequireByteLevelDecoder(JsonElement root)
    {
        var decoder = Optional(root, "decoder");
        if (decoder is not { } d || OptionalString(d, "type", "decoder.type") != "ByteLevel")
        {
            throw Unsupported($"decoder {decoder?.GetRawText() ?? "null"} in a byte-level file; only ByteLevel is supported there");
        }
    }

    /// <summary>A (possibly nested) <c>Sequence</c> of <c>Replace</c>, <c>ByteFallback</c>, <c>Fuse</c>, <c>Strip</c> and <c>Metaspace</c>.</summary>
    private static TokenDecoder ReadSentencePieceDecoder(JsonElement root)
    {
        var decoder = Optional(root, "decoder")
            ?? throw Unsupported("'decoder' is null in a SentencePiece-style file; expected Metaspace or a Sequence of Replace, " +
                                 "ByteFallback, Fuse and Strip");
        var steps = new List<(JsonElement Step, string Path)>();
        Flatten(decoder, "decoder", "decoders", steps);
        return new TokenDecoder([.. steps.Select(s => ReadDecoderStep(s.Step, s.Path))]);
    }

    private static TokenDecoder.Step ReadDecoderStep(JsonElement step, string path) =>
        RequiredString(step, "type", $"{path}.type") switch
        {
            "Replace" => new TokenDecoder.Replace(ReadPattern(step, path), RequiredString(step, "content", $"{path}.content")),
            "ByteFallback" => new TokenDecoder.ByteFallback(),
            "Fuse" => new TokenDecoder.Fuse(),
            "Strip" => new TokenDecoder.Strip(
                RequiredString(step, "content", $"{path}.content") is { Length: 1 } c && !char.IsSurrogate(c[0])
                    ? c[0]
                    : throw Unsupported($"'{path}.content' must be one character of the Basic Multilingual Plane"),
                RequiredCount(step, "start", path),
                RequiredCount(step, "stop", path)),
            "Metaspace" => new TokenDecoder.Metaspace(ReadReplacement(step, path), ReadPrependScheme(step, path) != PrependScheme.Never),
            "ByteLevel" => throw Unsupported($"decoder ByteLevel at '{path}' in a SentencePiece-style file (its pre-tokenizer is not ByteLevel)"),
            var other => throw Unsupported($"decoder type \"{other}\" at '{path}'; supported in SentencePiece-style files: Replace, ByteFallback, " +
                                           $"Fuse, Strip, Metaspace, Sequence"),
        };

    private static int RequiredCount(JsonElement step, string name, string path) =>
        RequiredId(Optional(step, name) ?? throw Invalid($"'{path}.{name}' is missing"), $"{path}.{name}");
}
