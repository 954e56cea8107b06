namespace Gipo.Core.Tokenization;

/// <summary>
/// Maps text to token ids and back. <see cref="Encode"/> never adds BOS/EOS; callers add the
/// ids they need (the equivalent of Hugging Face <c>encode(text, add_special_tokens=False)</c>).
/// </summary>
public interface ITextTokenizer
{
    /// <summary>One more than the largest id; a model's embedding table needs at least this many rows.</summary>
    int VocabSize { get; }

    int EosId { get; }

    int PadId { get; }

    /// <summary>Beginning-of-sequence id, or <see langword="null"/> when the vocabulary has none.</summary>
    int? BosId { get; }

    /// <summary>Encodes <paramref name="text"/>; special-token strings in it become their single ids.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Decodes ids to text. Ids that name no token are ignored.</summary>
    /// <param name="ids">The ids to decode.</param>
    /// <param name="skipSpecial">Drop special tokens (pad, eos, ...) instead of writing their text.</param>
    string Decode(IEnumerable<int> ids, bool skipSpecial = true);

    /// <summary>The decoded text of a single id, special tokens included (e.g. for delimiter sets).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id names no token.</exception>
    string TokenText(int id);
}
