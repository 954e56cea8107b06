using System.Text;

namespace Gipo.Core.Tokenization;

/// <summary>
/// The Hugging Face <c>BPE</c> model over characters, as SentencePiece-converted vocabularies use it
/// (Llama-2, Mistral, Gemma): each code point is a symbol, one missing from the vocabulary becomes its
/// UTF-8 bytes as <c>&lt;0xNN&gt;</c> tokens (<c>byte_fallback</c>) or the unknown token, and adjacent
/// symbols merge lowest rank first, leftmost first among equal ranks, until no merge applies.
/// </summary>
internal sealed class SymbolBpe
{
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> vocab;
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> merges;
    private readonly int[]? byteIds;
    private readonly int? unkId;
    private readonly bool fuseUnk;
    private readonly bool ignoreMerges;

    public SymbolBpe(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, bool byteFallback, string? unkToken,
                     bool fuseUnk, bool ignoreMerges)
    {
        var lookup = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        this.vocab = lookup.GetAlternateLookup<ReadOnlySpan<char>>();
        this.merges = new Dictionary<(int, int), (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            // Later duplicates replace earlier ones, as when Hugging Face collects the merges into a map.
            this.merges[(lookup[left], lookup[right])] = (rank, lookup[left + right]);
        }

        if (byteFallback)
        {
            byteIds = new int[256];
            for (var b = 0; b < 256; b++)
            {
                byteIds[b] = lookup.TryGetValue(ByteToken((byte)b), out var id) ? id : -1;
            }
        }

        unkId = unkToken is null ? null : lookup[unkToken];
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
    }

    /// <summary>The vocabulary entry of a fallback byte: <c>&lt;0x0A&gt;</c> for a newline.</summary>
    public static string ByteToken(byte value) => $"<0x{value:X2}>";

    /// <summary>Appends the ids of one pre-tokenized piece.</summary>
    public void Encode(ReadOnlySpan<char> word, List<int> ids)
    {
        if (word.IsEmpty)
        {
            return;
        }

        if (this.ignoreMerges && this.vocab.TryGetValue(word, out var whole))
        {
            ids.Add(whole);
            return;
        }

        var symbols = InitialSymbols(word);
        Merge(symbols);
        foreach (var symbol in symbols)
        {
            if (symbol != Removed)
            {
                ids.Add(symbol);
            }
        }
    }

    private const int Removed = -1;

    private List<int> InitialSymbols(ReadOnlySpan<char> word)
    {
        var symbols = new List<int>(word.Length);
        var pendingUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < word.Length;)
        {
            var length = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var character = word.Slice(i, length);
            i += length;
            if (this.vocab.TryGetValue(character, out var id))
            {
                pendingUnk = false;
                symbols.Add(id);
                continue;
            }

            if (byteIds is not null && TryBytes(character, utf8, out var byteCount) && AllBytesKnown(utf8[..byteCount]))
            {
                foreach (var b in utf8[..byteCount])
                {
                    symbols.Add(byteIds[b]);
                }

                pendingUnk = false;
                continue;
            }

            if (unkId is { } unk)
            {
                // fuse_unk folds a run of unknown characters into one unknown token.
                if (!(this.fuseUnk && pendingUnk))
                {
                    symbols.Add(unk);
                }

                pendingUnk = true;
            }

            // Without an unknown token Hugging Face drops the character; so does this.
        }

        return symbols;
    }

    private static bool TryBytes(ReadOnlySpan<char> character, Span<byte> utf8, out int count)
    {
        // A lone surrogate has no UTF-8 form; Rust strings cannot hold one, so it is treated as unknown.
        if (character.Length == 1 && char.IsSurrogate(character[0]))
        {
            count = 0;
            return false;
        }

        count = Encoding.UTF8.GetBytes(character, utf8);
        return true;
    }

    private bool AllBytesKnown(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (byteIds![b] < 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Applies merges in place, lowest rank first and leftmost first among equal ranks, the order of Hugging Face's
    /// merge queue. Merged-away symbols become <see cref="Removed"/>.
    /// </summary>
    private void Merge(List<int> symbols)
    {
        var count = symbols.Count;
        if (count < 2)
        {
            return;
        }

        var next = new int[count];
        var prev = new int[count];
        for (var i = 0; i < count; i++)
        {
            next[i] = i + 1 < count ? i + 1 : -1;
            prev[i] = i - 1;
        }

        var queue = new PriorityQueue<(int Position, int Merged), (int Rank, int Position)>();
        void Offer(int left)
        {
            var right = next[left];
            if (right >= 0 && this.merges.TryGetValue((symbols[left], symbols[right]), out var merge))
            {
                queue.Enqueue((left, merge.Merged), (merge.Rank, left));
            }
        }

        for (var i = 0; i + 1 < count; i++)
        {
            Offer(i);
        }

        while (queue.TryDequeue(out var top, out _))
        {
            var left = top.Position;
            var right = next[left];
            // Entries go stale when a neighbour merged since they were queued: check the pair still makes this token.
            if (symbols[left] == Removed || right < 0
                || !this.merges.TryGetValue((symbols[left], symbols[right]), out var merge) || merge.Merged != top.Merged)
            {
                continue;
            }

            symbols[left] = merge.Merged;
            symbols[right] = Removed;
            next[left] = next[right];
            if (next[left] >= 0)
            {
                prev[next[left]] = left;
            }

            if (prev[left] >= 0)
            {
                Offer(prev[left]);
            }

            Offer(left);
        }
    }
}
