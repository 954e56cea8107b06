using System.Globalization;

namespace Gipo.Core.Tokenization;

/// <summary>
/// A chain of Hugging Face <c>Split</c> pre-tokenizers: each rule cuts the pieces of the previous
/// one into matches and gaps and keeps those its <see cref="SplitRule"/> says.
/// </summary>
/// <remarks>
/// Hugging Face matches with Oniguruma over code points, but a .NET regex sees UTF-16 code
/// units, so a supplementary-plane character is two surrogates of category Cs and e.g. <c>\p{L}</c>
/// never matches 𝐀. When the text has surrogates the patterns run on a proxy string in which each
/// supplementary code point is one BMP character of the same Unicode category, and the piece
/// bounds are mapped back.
/// </remarks>
internal sealed class RegexSplitter
{
    private readonly SplitRule[] rules;

    public RegexSplitter(IEnumerable<SplitRule> rules) => this.rules = [.. rules];

    /// <summary>Appends the (start, length) of each non-empty piece of <paramref name="text"/>.</summary>
    public void Split(string text, List<(int Start, int Length)> pieces)
    {
        if (text.Length == 0)
        {
            return;
        }

        int[]? toOriginal = null;
        var subject = text;
        if (text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            (subject, toOriginal) = CodePointProxy(text);
        }

        List<(int Start, int Length)> current = [(0, subject.Length)];
        foreach (var rule in this.rules)
        {
            var next = new List<(int Start, int Length)>(current.Count * 2);
            foreach (var (start, length) in current)
            {
                SplitOne(rule, subject, start, length, next);
            }

            current = next;
        }

        foreach (var (start, length) in current)
        {
            pieces.Add(toOriginal is null ? (start, length) : (toOriginal[start], toOriginal[start + length] - toOriginal[start]));
        }
    }

    private static void SplitOne(SplitRule rule, string subject, int start, int length, List<(int Start, int Length)> output)
    {
        // Matching on the slice, not the whole string, so anchors and lookarounds see the piece's
        // own ends, exactly as when Hugging Face runs the next pattern on a separate piece.
        var parts = new List<(int Start, int End, bool Marked)>();
        var position = start;
        foreach (var match in rule.Pattern.EnumerateMatches(subject.AsSpan(start, length)))
        {
            var matchStart = start + match.Index;
            if (matchStart > position)
            {
                parts.Add((position, matchStart, rule.Invert));
            }

            parts.Add((matchStart, matchStart + match.Length, !rule.Invert));
            position = matchStart + match.Length;
        }

        if (position < start + length)
        {
            parts.Add((position, start + length, rule.Invert));
        }

        foreach (var (from, to) in Apply(rule.Behavior, parts))
        {
            // Empty pieces (from empty matches) give no tokens in Hugging Face either.
            if (to > from)
            {
                output.Add((from, to - from));
            }
        }
    }

    /// <summary>The pieces a behavior makes of marked and unmarked parts, as Hugging Face's <c>NormalizedString::split</c>.</summary>
    internal static List<(int Start, int End)> Apply(SplitBehavior behavior, List<(int Start, int End, bool Marked)> parts)
    {
        var pieces = new List<(int Start, int End)>(parts.Count);
        var previousMarked = false;
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                pieces.AddRange(parts.Select(p => (p.Start, p.End)));
                break;
            case SplitBehavior.Removed:
                pieces.AddRange(parts.Where(p => !p.Marked).Select(p => (p.Start, p.End)));
                break;
            case SplitBehavior.Contiguous:
                foreach (var (from, to, marked) in parts)
                {
                    if (pieces.Count > 0 && marked == previousMarked)
                    {
                        pieces[^1] = (pieces[^1].Start, to);
                    }
                    else
                    {
                        pieces.Add((from, to));
                    }

                    previousMarked = marked;
                }

                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var (from, to, marked) in parts)
                {
                    if (pieces.Count > 0 && marked && !previousMarked)
                    {
                        pieces[^1] = (pieces[^1].Start, to);
                    }
                    else
                    {
                        pieces.Add((from, to));
                    }

                    previousMarked = marked;
                }

                break;
            case SplitBehavior.MergedWithNext:
                for (var i = parts.Count - 1; i >= 0; i--)
                {
                    var (from, to, marked) = parts[i];
                    if (pieces.Count > 0 && marked && !previousMarked)
                    {
                        pieces[^1] = (from, pieces[^1].End);
                    }
                    else
                    {
                        pieces.Add((from, to));
                    }

                    previousMarked = marked;
                }

                pieces.Reverse();
                break;
        }

        return pieces;
    }

    /// <summary>One char per code point, plus a map from proxy index to original index (with an end sentinel).</summary>
    private static (string Proxy, int[] ToOriginal) CodePointProxy(string text)
    {
        var proxy = new char[text.Length];
        var toOriginal = new int[text.Length + 1];
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            toOriginal[count] = i;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                proxy[count++] = Representative(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1])));
                i++;
            }
            else
            {
                proxy[count++] = text[i];
            }
        }

        toOriginal[count] = text.Length;
        return (new string(proxy, 0, count), toOriginal[..(count + 1)]);
    }

    /// <summary>A non-ASCII BMP character of the given category, so no pattern literal can match it by accident.</summary>
    private static char Representative(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u00C0',
        UnicodeCategory.LowercaseLetter => '\u00DF',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u05D0',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.SpaceSeparator => '\u2002',
        UnicodeCategory.LineSeparator => '\u2028',
        UnicodeCategory.ParagraphSeparator => '\u2029',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00A1',
        UnicodeCategory.MathSymbol => '\u00AC',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u00A9',
        _ => '\u0378', // unassigned (Cn); Cc and Cs never occur as supplementary code points
    };
}
