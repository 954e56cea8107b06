using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using static Gipo.Core.Tokenization.TokenizerJson;

namespace Gipo.Core.Tokenization;

/// <summary>
/// One token per character, for the synthetic tasks. <see cref="Default"/> has the specials
/// <c>&lt;pad&gt;</c>=0, <c>&lt;bos&gt;</c>=1, <c>&lt;eos&gt;</c>=2, <c>&lt;unk&gt;</c>=3, then <c>\n</c>=4 and
/// printable ASCII (space to <c>~</c>) as 5..99. Characters outside the vocabulary encode as
/// <c>&lt;unk&gt;</c>, one per code point.
/// </summary>
/// <remarks>
/// <see cref="ToJson"/> writes a Hugging Face <c>tokenizer.json</c> (a <c>WordLevel</c> model behind a
/// one-character <c>Split</c> pre-tokenizer and a <c>Fuse</c> decoder), so a checkpoint can carry its
/// tokenizer and Hugging Face libraries load it with the same ids. As there, special-token strings
/// in the text (e.g. <c>"&lt;eos&gt;"</c>) encode as their special id.
/// </remarks>
public sealed class CharTokenizer : ITextTokenizer
{
    public const string PadToken = "<pad>";
    public const string BosToken = "<bos>";
    public const string EosToken = "<eos>";
    public const string UnkToken = "<unk>";

    // Matches any single code point, newline included; Oniguruma's '.' would skip "\n".
    private const string OneCharacterPattern = @"[\s\S]";

    private readonly string[] tokens;
    private readonly Dictionary<int, int> idsByCodePoint;
    private readonly AddedToken[] specials;
    private readonly AddedTokenMatcher specialMatcher;

    private CharTokenizer(string[] tokens, AddedToken[] specials)
    {
        this.tokens = tokens;
        this.specials = specials;
        specialMatcher = new AddedTokenMatcher(specials);
        idsByCodePoint = [];
        for (var id = 0; id < tokens.Length; id++)
        {
            if (!specials.Any(s => s.Id == id))
            {
                idsByCodePoint[Rune.GetRuneAt(tokens[id], 0).Value] = id;
            }
        }

        int? Special(string content) => specials.FirstOrDefault(s => s.Content == content)?.Id;
        PadId = Special(PadToken) ?? throw Invalid($"the special token {PadToken} is missing");
        EosId = Special(EosToken) ?? throw Invalid($"the special token {EosToken} is missing");
        UnkId = Special(UnkToken) ?? throw Invalid($"the special token {UnkToken} is missing");
        BosId = Special(BosToken);
    }

    /// <summary>The standard 100-token vocabulary described on the type.</summary>
    public static CharTokenizer Default { get; } = CreateDefault();

    public int VocabSize => this.tokens.Length;

    public int EosId { get; }

    public int PadId { get; }

    public int? BosId { get; }

    public int UnkId { get; }

    /// <summary>Token text by id.</summary>
    public IReadOnlyList<string> Tokens => this.tokens;

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        foreach (var segment in specialMatcher.Split(text))
        {
            if (segment.AddedTokenId is { } specialId)
            {
                ids.Add(specialId);
                continue;
            }

            foreach (var rune in text.AsSpan(segment.Start, segment.Length).EnumerateRunes())
            {
                ids.Add(idsByCodePoint.GetValueOrDefault(rune.Value, UnkId));
            }
        }

        return ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        foreach (var id in ids)
        {
            if ((uint)id < (uint)this.tokens.Length && !(skipSpecial && IsSpecial(id)))
            {
                text.Append(this.tokens[id]);
            }
        }

        return text.ToString();
    }

    public string TokenText(int id) =>
        (uint)id < (uint)this.tokens.Length ? this.tokens[id] : throw new ArgumentOutOfRangeException(nameof(id), id, "No token has this id.");

    /// <summary>Serializes to a Hugging Face <c>tokenizer.json</c> (deterministic: same tokenizer, same bytes).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            NewLine = "\n",
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, not HTML: keep "<pad>" readable
        }))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            foreach (var special in this.specials)
            {
                json.WriteStartObject();
                json.WriteNumber("id", special.Id);
                json.WriteString("content", special.Content);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNull("normalizer");
            json.WriteStartObject("pre_tokenizer");
            json.WriteString("type", "Split");
            json.WriteStartObject("pattern");
            json.WriteString("Regex", OneCharacterPattern);
            json.WriteEndObject();
            json.WriteString("behavior", "Isolated");
            json.WriteBoolean("invert", false);
            json.WriteEndObject();
            json.WriteNull("post_processor");
            json.WriteStartObject("decoder");
            json.WriteString("type", "Fuse");
            json.WriteEndObject();
            json.WriteStartObject("model");
            json.WriteString("type", "WordLevel");
            json.WriteStartObject("vocab");
            for (var id = 0; id < this.tokens.Length; id++)
            {
                json.WriteNumber(this.tokens[id], id);
            }

            json.WriteEndObject();
            json.WriteString("unk_token", UnkToken);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Reads a <c>tokenizer.json</c> in the shape <see cref="ToJson"/> writes, with any character set.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or not a character-level tokenizer.</exception>
    public static CharTokenizer FromJson(string json)
    {
        using var document = TokenizerJson.Parse(json);
        var root = document.RootElement;
        var model = Required(root, "model", "model", JsonValueKind.Object);
        var type = OptionalString(model, "type", "model.type") ?? throw Invalid("'model.type' is missing");
        if (type != "WordLevel")
        {
            throw Unsupported($"model type \"{type}\"; a character tokenizer is \"WordLevel\"");
        }

        if (OptionalString(model, "unk_token", "model.unk_token") != UnkToken)
        {
            throw Invalid($"'model.unk_token' must be \"{UnkToken}\"");
        }

        var preTokenizer = Optional(root, "pre_tokenizer");
        if (preTokenizer is not { } split
            || OptionalString(split, "type", "pre_tokenizer.type") != "Split"
            || Optional(split, "pattern") is not { } pattern
            || OptionalString(pattern, "Regex", "pre_tokenizer.pattern.Regex") != OneCharacterPattern
            || OptionalString(split, "behavior", "pre_tokenizer.behavior") != "Isolated"
            || OptionalBool(split, "invert", "pre_tokenizer.invert", false)
            || Optional(root, "normalizer") is not null
            || Optional(root, "decoder") is not { } decoder
            || OptionalString(decoder, "type", "decoder.type") != "Fuse")
        {
            throw Unsupported("a character tokenizer has no normalizer, the one-character Split pre-tokenizer and the Fuse decoder");
        }

        var specials = ReadAddedTokens(root).ToArray();
        var vocab = Required(model, "vocab", "model.vocab", JsonValueKind.Object).EnumerateObject().ToArray();
        var tokens = new string?[vocab.Length];
        foreach (var entry in vocab)
        {
            var path = $"model.vocab[\"{entry.Name}\"]";
            var id = RequiredId(entry.Value, path);
            if (id >= tokens.Length || tokens[id] is not null)
            {
                throw Invalid($"'{path}' = {id}: ids must be distinct and run from 0 to {tokens.Length - 1}");
            }

            var special = Array.Find(specials, s => s.Content == entry.Name);
            if (special is not null && special.Id != id)
            {
                throw Invalid($"'{path}' = {id}, but added_tokens gives it id {special.Id}");
            }

            if (special is null && !IsOneCodePoint(entry.Name))
            {
                throw Invalid($"'{path}' is not a single character");
            }

            tokens[id] = entry.Name;
        }

        if (specials.FirstOrDefault(s => !s.Special || !vocab.Any(v => v.Name == s.Content)) is { } stray)
        {
            throw Invalid($"added token \"{stray.Content}\" must be special and in model.vocab");
        }

        return new CharTokenizer(tokens!, specials);
    }

    private bool IsSpecial(int id) => Array.Exists(this.specials, s => s.Id == id);

    private static bool IsOneCodePoint(string text) =>
        Rune.DecodeFromUtf16(text, out _, out var consumed) == System.Buffers.OperationStatus.Done && consumed == text.Length;

    private static CharTokenizer CreateDefault()
    {
        string[] specials = [PadToken, BosToken, EosToken, UnkToken];
        var tokens = specials.Append("\n").Concat(Enumerable.Range(0x20, 0x7F - 0x20).Select(c => ((char)c).ToString())).ToArray();
        return new CharTokenizer(tokens, [.. specials.Select((content, id) => new AddedToken(id, content, Special: true))]);
    }
}
