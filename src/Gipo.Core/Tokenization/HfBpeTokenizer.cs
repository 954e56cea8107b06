using System.Collections.Frozen;
using Microsoft.ML.Tokenizers;

namespace Gipo.Core.Tokenization;

/// <summary>
/// A BPE tokenizer loaded from a Hugging Face <c>tokenizer.json</c>, producing the same ids as Hugging Face
/// <c>tokenizers</c>: byte-level BPE (GPT-2, Qwen2/Qwen3, Llama-3) and SentencePiece-style BPE with
/// <c>byte_fallback</c> (Llama-2, Mistral, Gemma).
/// </summary>
/// <remarks>
/// The Hugging Face pipeline is reproduced step by step: added tokens marked <c>normalized: false</c> are cut out
/// of the raw text verbatim, the rest is normalized (<c>NFC</c>, <c>Prepend</c>, <c>Replace</c>, or an empty
/// <c>Sequence</c> that does nothing), the other added tokens are cut out of that, and what remains is
/// pre-tokenized and merged. Byte-level files split with their <c>Split</c> regexes and merge with
/// Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>; SentencePiece-style files go through their <c>Split</c> steps
/// and <c>Metaspace</c> (either or both may be absent) and merge characters, writing a character the vocabulary lacks as its UTF-8 bytes
/// (<c>&lt;0xNN&gt;</c> tokens) and decoding through the file's <c>Replace</c>/<c>ByteFallback</c>/<c>Fuse</c>/
/// <c>Strip</c>/<c>Metaspace</c> decoders. The post-processor is not applied, so no BOS/EOS is added. Any other
/// component, and split regexes in Oniguruma-only syntax (possessive quantifiers, script classes such as
/// <c>\p{Han}</c>) that .NET cannot compile, are rejected with an <see cref="InvalidDataException"/> naming it.
/// docs/tokenizers.md lists what is supported and how it is tested.
/// </remarks>
public sealed class HfBpeTokenizer : ITextTokenizer
{
    private static readonly string[] EosCandidates = ["<|endoftext|>", "<|end_of_text|>", "</s>", "<|im_end|>", "<|eot_id|>", "<eos>"];
    private static readonly string[] BosCandidates = ["<|begin_of_text|>", "<s>", "<|startoftext|>", "<bos>"];
    private static readonly string[] PadCandidates = ["<|pad|>", "<pad>"];

    private readonly BpeTokenizer? byteLevelBpe;
    private readonly SymbolBpe? symbolBpe;
    private readonly TokenDecoder? decoder;
    private readonly MetaspaceSplitter? metaspace;
    private readonly string?[] tokenStrings;
    private readonly AddedTokenMatcher rawAddedTokens;
    private readonly AddedTokenMatcher normalizedAddedTokens;
    private readonly RegexSplitter splitter;
    private readonly TextNormalizer normalizer;
    private readonly FrozenDictionary<string, int>? wholePieces;
    private readonly FrozenSet<int> specialIds;
    private readonly bool[] assigned;

    private HfBpeTokenizer(HfBpeTokenizerFile file, string? eosToken, string? padToken, string? bosToken, int? eosId)
    {
        AddedTokens = file.AddedTokens;
        var addedIds = file.AddedTokens.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);
        if (file.ByteLevel)
        {
            byteLevelBpe = BpeTokenizer.Create(new BpeOptions(file.Vocab)
            {
                Merges = file.Merges.Select(m => $"{m.Left} {m.Right}"),
                ByteLevel = true,
                SpecialTokens = addedIds,
            });
            wholePieces = file.IgnoreMerges ? file.Vocab.ToFrozenDictionary(StringComparer.Ordinal) : null;
        }
        else
        {
            symbolBpe = new SymbolBpe(file.Vocab, file.Merges, file.ByteFallback, file.UnkToken, file.FuseUnk, file.IgnoreMerges);
            this.decoder = file.Decoder;
            metaspace = file.Metaspace;
        }

        rawAddedTokens = new AddedTokenMatcher(file.AddedTokens.Where(t => !t.Normalized));
        normalizedAddedTokens = new AddedTokenMatcher(file.AddedTokens.Where(t => t.Normalized));
        splitter = new RegexSplitter(file.SplitRules);
        normalizer = file.Normalizer;
        specialIds = file.AddedTokens.Where(t => t.Special).Select(t => t.Id).ToFrozenSet();

        VocabSize = file.Vocab.Values.Concat(addedIds.Values).Max() + 1;
        assigned = new bool[VocabSize];
        tokenStrings = new string?[VocabSize];
        foreach (var (token, id) in file.Vocab)
        {
            assigned[id] = true;
            tokenStrings[id] = token;
        }

        foreach (var token in file.AddedTokens)
        {
            assigned[token.Id] = true;
            tokenStrings[token.Id] = token.Content; // an added token's text wins over a vocabulary entry with its id
        }

        int? Find(string token) => addedIds.TryGetValue(token, out var id) || file.Vocab.TryGetValue(token, out id) ? id : null;
        int? Resolve(string? requested, string role) => requested is null
            ? null
            : Find(requested) ?? throw new ArgumentException($"the {role} token \"{requested}\" is not in the vocabulary", $"{role}Token");

        if (eosId is { } explicitEos && !IsAssigned(explicitEos))
        {
            throw new ArgumentOutOfRangeException(nameof(eosId), eosId, "the end-of-sequence id names no token of this tokenizer");
        }

        EosId = eosId ?? Resolve(eosToken, "eos") ?? EosCandidates.Select(Find).FirstOrDefault(id => id is not null)
            ?? throw new InvalidDataException($"No end-of-sequence token found (looked for {string.Join(", ", EosCandidates)}); " +
                                              $"pass eosToken or eosId (a checkpoint's config.json eos_token_id does).");
        BosId = Resolve(bosToken, "bos") ?? BosCandidates.Select(Find).FirstOrDefault(id => id is not null);
        PadId = Resolve(padToken, "pad") ?? file.PaddingId ?? PadCandidates.Select(Find).FirstOrDefault(id => id is not null) ?? EosId;
    }

    public int VocabSize { get; }

    public int EosId { get; }

    /// <summary>The pad id: as requested, else <c>padding.pad_id</c>, else a <c>&lt;pad&gt;</c>-like token, else <see cref="EosId"/>.</summary>
    public int PadId { get; }

    public int? BosId { get; }

    /// <summary>The file's <c>added_tokens</c> (special tokens such as <c>&lt;|im_start|&gt;</c>).</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Loads a <c>tokenizer.json</c> file.</summary>
    /// <param name="path">Path of the file.</param>
    /// <param name="eosToken">The end-of-sequence token; by default the first of <c>&lt;|endoftext|&gt;</c>, <c>&lt;|end_of_text|&gt;</c>,
    /// <c>&lt;/s&gt;</c>, <c>&lt;|im_end|&gt;</c>, <c>&lt;|eot_id|&gt;</c>, <c>&lt;eos&gt;</c> that exists.</param>
    /// <param name="padToken">The padding token; see <see cref="PadId"/> for the default.</param>
    /// <param name="bosToken">The beginning-of-sequence token; by default <c>&lt;|begin_of_text|&gt;</c>, <c>&lt;s&gt;</c>,
    /// <c>&lt;|startoftext|&gt;</c> or <c>&lt;bos&gt;</c> if present.</param>
    /// <param name="eosId">The end-of-sequence id (e.g. a checkpoint's <c>eos_token_id</c>); wins over <paramref name="eosToken"/> and the guesses,
    /// so a vocabulary without any of the guessed names loads.</param>
    /// <exception cref="InvalidDataException">The file is malformed or uses an unsupported feature; the message names the file.</exception>
    public static HfBpeTokenizer FromFile(string path, string? eosToken = null, string? padToken = null, string? bosToken = null, int? eosId = null)
    {
        var json = File.ReadAllText(path);
        try
        {
            return FromJson(json, eosToken, padToken, bosToken, eosId);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <inheritdoc cref="FromFile"/>
    /// <param name="json">The content of a <c>tokenizer.json</c>.</param>
    public static HfBpeTokenizer FromJson(string json, string? eosToken = null, string? padToken = null, string? bosToken = null,
                                          int? eosId = null) =>
        new(HfBpeTokenizerFile.Parse(json), eosToken, padToken, bosToken, eosId);

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">
    /// The file asks for NFC, the text is not already NFC, and the process runs in globalization-invariant mode.
    /// </exception>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        foreach (var segment in rawAddedTokens.Split(text))
        {
            if (segment.AddedTokenId is { } addedId)
            {
                ids.Add(addedId);
                continue;
            }

            var normalized = normalizer.Apply(text.Substring(segment.Start, segment.Length));
            foreach (var part in normalizedAddedTokens.Split(normalized))
            {
                if (part.AddedTokenId is { } normalizedId)
                {
                    ids.Add(normalizedId);
                }
                else
                {
                    EncodePlain(normalized.Substring(part.Start, part.Length), startsInput: segment.Start == 0 && part.Start == 0, ids);
                }
            }
        }

        return ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var kept = ids.Where(id => IsAssigned(id) && !(skipSpecial && specialIds.Contains(id)));
        return byteLevelBpe is not null
            ? byteLevelBpe.Decode(kept, considerSpecialTokens: true)
            : this.decoder!.Decode([.. kept.Select(id => tokenStrings[id]!)]);
    }

    /// <remarks>
    /// As Hugging Face's <c>decode([id])</c>: a SentencePiece-style decoder that strips the leading space of the
    /// text (<c>Strip</c>, <c>Metaspace</c>) strips it here too, so <c>▁Hello</c> reads <c>Hello</c>.
    /// </remarks>
    public string TokenText(int id) =>
        IsAssigned(id) ? Decode([id], skipSpecial: false) : throw new ArgumentOutOfRangeException(nameof(id), id, "No token has this id.");

    private bool IsAssigned(int id) => (uint)id < (uint)assigned.Length && assigned[id];

    private void EncodePlain(string plain, bool startsInput, List<int> ids)
    {
        if (plain.Length == 0)
        {
            return;
        }

        var pieces = new List<(int Start, int Length)>();
        splitter.Split(plain, pieces);
        if (symbolBpe is not null)
        {
            var words = new List<string>();
            foreach (var (start, length) in pieces)
            {
                var piece = plain.Substring(start, length);
                if (metaspace is null)
                {
                    words.Add(piece);
                }
                else
                {
                    metaspace.Apply(piece, startsInput && start == 0, words);
                }
            }

            foreach (var word in words)
            {
                symbolBpe.Encode(word, ids);
            }

            return;
        }

        foreach (var (start, length) in pieces)
        {
            EncodeByteLevelPiece(plain.AsSpan(start, length), ids);
        }
    }

    private void EncodeByteLevelPiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        // ignore_merges (Llama-3): a piece that is itself a vocabulary entry is taken whole, even
        // where the merges would split it differently.
        if (wholePieces is not null && wholePieces.TryGetValue(ByteLevelAlphabet.Encode(piece), out var id))
        {
            ids.Add(id);
            return;
        }

        ids.AddRange(byteLevelBpe!.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
    }
}
