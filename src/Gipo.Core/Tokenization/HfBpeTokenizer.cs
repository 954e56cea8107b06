using System.Collections.Frozen;
using Microsoft.ML.Tokenizers;

namespace Gipo.Core.Tokenization;

/// <summary>
/// A byte-level BPE tokenizer (GPT-2, Qwen2, Llama-3 style) loaded from a Hugging Face
/// <c>tokenizer.json</c>, producing the same ids as Hugging Face <c>tokenizers</c>.
/// </summary>
/// <remarks>
/// The Hugging Face pipeline is reproduced step by step: added tokens are cut out verbatim, the
/// rest is NFC-normalized (when the file asks for it), split by the pre-tokenizer regexes, and each
/// piece is merged by Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>. The post-processor is not
/// applied, so no BOS/EOS is added. Supported: model <c>BPE</c> (merges as strings or pairs,
/// <c>ignore_merges</c>), normalizer <c>null</c>/<c>NFC</c>, pre-tokenizer <c>ByteLevel</c> or
/// <c>Sequence[Split(Isolated)..., ByteLevel]</c>, decoder <c>ByteLevel</c>; anything else is rejected
/// with <see cref="InvalidDataException"/>, as are split regexes in Oniguruma-only syntax (possessive
/// quantifiers, script classes such as <c>\p{Han}</c>) that .NET cannot compile.
/// </remarks>
public sealed class HfBpeTokenizer : ITextTokenizer
{
    private static readonly string[] EosCandidates = ["<|endoftext|>", "<|end_of_text|>", "</s>", "<|im_end|>", "<|eot_id|>"];
    private static readonly string[] BosCandidates = ["<|begin_of_text|>", "<s>", "<|startoftext|>"];
    private static readonly string[] PadCandidates = ["<|pad|>", "<pad>"];

    private readonly BpeTokenizer _bpe;
    private readonly AddedTokenMatcher _addedTokenMatcher;
    private readonly IsolatedRegexSplitter _splitter;
    private readonly bool _normalizeNfc;
    private readonly FrozenDictionary<string, int>? _wholePieces;
    private readonly FrozenSet<int> _specialIds;
    private readonly bool[] _assigned;

    private HfBpeTokenizer(HfBpeTokenizerFile file, string? eosToken, string? padToken, string? bosToken)
    {
        AddedTokens = file.AddedTokens;
        var addedIds = file.AddedTokens.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);
        _bpe = BpeTokenizer.Create(new BpeOptions(file.Vocab)
        {
            Merges = file.Merges,
            ByteLevel = true,
            SpecialTokens = addedIds,
        });
        _addedTokenMatcher = new AddedTokenMatcher(file.AddedTokens);
        _splitter = new IsolatedRegexSplitter(file.SplitPatterns);
        _normalizeNfc = file.NormalizeNfc;
        _wholePieces = file.IgnoreMerges ? file.Vocab.ToFrozenDictionary(StringComparer.Ordinal) : null;
        _specialIds = file.AddedTokens.Where(t => t.Special).Select(t => t.Id).ToFrozenSet();

        VocabSize = file.Vocab.Values.Concat(addedIds.Values).Max() + 1;
        _assigned = new bool[VocabSize];
        foreach (var id in file.Vocab.Values.Concat(addedIds.Values))
        {
            _assigned[id] = true;
        }

        int? Find(string token) => addedIds.TryGetValue(token, out var id) || file.Vocab.TryGetValue(token, out id) ? id : null;
        int? Resolve(string? requested, string role) => requested is null
            ? null
            : Find(requested) ?? throw new ArgumentException($"The {role} token \"{requested}\" is not in the vocabulary.", $"{role}Token");

        EosId = Resolve(eosToken, "eos") ?? EosCandidates.Select(Find).FirstOrDefault(id => id is not null)
            ?? throw new InvalidDataException($"No end-of-sequence token found (looked for {string.Join(", ", EosCandidates)}); pass eosToken.");
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
    /// <param name="eosToken">The end-of-sequence token; by default the first of <c>&lt;|endoftext|&gt;</c>, <c>&lt;|end_of_text|&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;|im_end|&gt;</c>, <c>&lt;|eot_id|&gt;</c> that exists.</param>
    /// <param name="padToken">The padding token; see <see cref="PadId"/> for the default.</param>
    /// <param name="bosToken">The beginning-of-sequence token; by default <c>&lt;|begin_of_text|&gt;</c>, <c>&lt;s&gt;</c> or <c>&lt;|startoftext|&gt;</c> if present.</param>
    /// <exception cref="InvalidDataException">The file is malformed or uses an unsupported feature.</exception>
    public static HfBpeTokenizer FromFile(string path, string? eosToken = null, string? padToken = null, string? bosToken = null) =>
        FromJson(File.ReadAllText(path), eosToken, padToken, bosToken);

    /// <inheritdoc cref="FromFile"/>
    /// <param name="json">The content of a <c>tokenizer.json</c>.</param>
    public static HfBpeTokenizer FromJson(string json, string? eosToken = null, string? padToken = null, string? bosToken = null) =>
        new(HfBpeTokenizerFile.Parse(json), eosToken, padToken, bosToken);

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">
    /// The file asks for NFC, the text is not already NFC, and the process runs in globalization-invariant mode.
    /// </exception>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        var pieces = new List<(int Start, int Length)>();
        foreach (var segment in _addedTokenMatcher.Split(text))
        {
            if (segment.AddedTokenId is { } addedId)
            {
                ids.Add(addedId);
                continue;
            }

            var plain = text.Substring(segment.Start, segment.Length);
            if (_normalizeNfc)
            {
                plain = NfcQuickCheck.Normalize(plain);
            }

            pieces.Clear();
            _splitter.Split(plain, pieces);
            foreach (var (start, length) in pieces)
            {
                EncodePiece(plain.AsSpan(start, length), ids);
            }
        }

        return ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var kept = ids.Where(id => IsAssigned(id) && !(skipSpecial && _specialIds.Contains(id)));
        return _bpe.Decode(kept, considerSpecialTokens: true);
    }

    public string TokenText(int id) =>
        IsAssigned(id) ? _bpe.Decode([id], considerSpecialTokens: true) : throw new ArgumentOutOfRangeException(nameof(id), id, "No token has this id.");

    private bool IsAssigned(int id) => (uint)id < (uint)_assigned.Length && _assigned[id];

    private void EncodePiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        // ignore_merges (Llama-3): a piece that is itself a vocabulary entry is taken whole, even
        // where the merges would split it differently.
        if (_wholePieces is not null && _wholePieces.TryGetValue(ByteLevelAlphabet.Encode(piece), out var id))
        {
            ids.Add(id);
            return;
        }

        ids.AddRange(_bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
    }
}
