using System.Text;

namespace Gipo.Core.Tokenization;

/// <summary>
/// The Unicode NFC normalizer of Hugging Face <c>{"type": "NFC"}</c>.
/// </summary>
/// <remarks>
/// This solution runs with <c>InvariantGlobalization</c>, where .NET has no normalization data and
/// <see cref="string.Normalize(NormalizationForm)"/> silently returns non-ASCII text unchanged. Then
/// text that passes the UAX #15 quick check (almost all real text: no combining marks, no
/// compatibility ideographs, ...) is returned as is, since it is already NFC; anything else throws
/// rather than yield ids that differ from Hugging Face's.
/// </remarks>
internal static partial class NfcQuickCheck
{
    private static readonly bool RuntimeNormalizes = "e\u0301".Normalize(NormalizationForm.FormC) == "\u00E9";

    public static string Normalize(string text)
    {
        if (RuntimeNormalizes)
        {
            return text.Normalize(NormalizationForm.FormC);
        }

        return IsKnownNormalized(text)
            ? text
            : throw new NotSupportedException(
                "this text needs Unicode NFC normalization (it has combining marks or other characters NFC may change), " +
                "which .NET cannot do with InvariantGlobalization enabled. Normalize it before encoding, or run with ICU");
    }

    /// <summary>True when no code point of <paramref name="text"/> can be changed by NFC.</summary>
    public static bool IsKnownNormalized(ReadOnlySpan<char> text)
    {
        // Everything below U+0300 is NFC-stable, so plain Latin text never reaches the table.
        var firstSuspect = text.IndexOfAnyExceptInRange('\0', '\u02FF');
        if (firstSuspect < 0)
        {
            return true;
        }

        foreach (var rune in text[firstSuspect..].EnumerateRunes())
        {
            if (IsUnsafe(rune.Value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsUnsafe(int codePoint)
    {
        var ranges = UnsafeRanges;
        int low = 0, high = ranges.Length / 2 - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (codePoint < ranges[2 * mid])
            {
                high = mid - 1;
            }
            else if (codePoint > ranges[2 * mid + 1])
            {
                low = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }
}
