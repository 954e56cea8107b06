namespace Gipo.Core.Tokenization;

/// <summary>When the Hugging Face <c>Metaspace</c> pre-tokenizer puts a replacement character in front of a piece.</summary>
internal enum PrependScheme
{
    /// <summary>Before every piece that does not start with one.</summary>
    Always,

    /// <summary>Only before the piece that starts the input (not after a leading added token).</summary>
    First,

    /// <summary>Never.</summary>
    Never,
}

/// <summary>
/// The Hugging Face <c>Metaspace</c> pre-tokenizer of SentencePiece-style files: spaces become the replacement
/// character (<c>▁</c>), one is prepended as <see cref="PrependScheme"/> says, and with <c>split</c> the text is cut
/// before every replacement character.
/// </summary>
internal sealed record MetaspaceSplitter(char Replacement, PrependScheme Prepend, bool Split)
{
    /// <summary>Appends the pieces of <paramref name="text"/>; <paramref name="startsInput"/> says whether it begins the input.</summary>
    public void Apply(string text, bool startsInput, List<string> pieces)
    {
        if (text.Length == 0)
        {
            return;
        }

        var replaced = text.Replace(' ', Replacement);
        if (replaced[0] != Replacement && (Prepend == PrependScheme.Always || (Prepend == PrependScheme.First && startsInput)))
        {
            replaced = Replacement + replaced;
        }

        if (!Split)
        {
            pieces.Add(replaced);
            return;
        }

        // MergedWithNext: each replacement character opens a new piece.
        var start = 0;
        for (var i = 1; i < replaced.Length; i++)
        {
            if (replaced[i] == Replacement)
            {
                pieces.Add(replaced[start..i]);
                start = i;
            }
        }

        pieces.Add(replaced[start..]);
    }
}
