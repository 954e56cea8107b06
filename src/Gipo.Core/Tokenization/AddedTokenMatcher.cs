using System.Text.RegularExpressions;

namespace Gipo.Core.Tokenization;

/// <summary>
/// Cuts text around verbatim occurrences of added tokens, leftmost-longest first, which is how
/// Hugging Face tokenizers extract them before normalization and pre-tokenization.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Regex? pattern;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> ids;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in tokens)
        {
            ids.TryAdd(token.Content, token.Id);
        }

        this.ids = ids.GetAlternateLookup<ReadOnlySpan<char>>();
        if (ids.Count > 0)
        {
            // Regex alternation takes the first alternative that matches, so longest-first ordering
            // yields the longest token at the leftmost position.
            var alternatives = ids.Keys.OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal).Select(Regex.Escape);
            pattern = new Regex(string.Join('|', alternatives), RegexOptions.CultureInvariant);
        }
    }

    public List<TextSegment> Split(string text)
    {
        var segments = new List<TextSegment>();
        var position = 0;
        if (pattern is not null)
        {
            foreach (var match in pattern.EnumerateMatches(text))
            {
                if (match.Index > position)
                {
                    segments.Add(new TextSegment(position, match.Index - position, null));
                }

                segments.Add(new TextSegment(match.Index, match.Length, this.ids[text.AsSpan(match.Index, match.Length)]));
                position = match.Index + match.Length;
            }
        }

        if (position < text.Length)
        {
            segments.Add(new TextSegment(position, text.Length - position, null));
        }

        return segments;
    }
}
