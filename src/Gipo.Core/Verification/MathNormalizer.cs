using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Gipo.Core.Verification;

/// <summary>
/// The <c>strip_string</c> normalisation of the Hendrycks MATH answer checker (as used by veRL's <c>math.py</c>),
/// applied in the same order: line breaks, <c>\!</c>, <c>\\</c>, <c>tfrac</c>/<c>dfrac</c>, <c>\left</c>/<c>\right</c>,
/// degrees, <c>\$</c>, trailing <c>\text{ units}</c>, <c>\%</c>, leading zeros of decimals, a short <c>k = </c>
/// prefix, <c>\sqrt2</c>, spaces, <c>\frac12</c>, <c>0.5</c>, and <c>a/b</c>.
/// </summary>
public static class MathNormalizer
{
    /// <summary>
    /// Normalises <paramref name="text"/>. Returns <see langword="false"/> where the reference implementation raises
    /// (more than one <c>\text{ </c>, or <c>\sqrt</c>/<c>\frac</c> at the very end); callers then compare raw strings.
    /// </summary>
    public static bool TryStrip(string text, [NotNullWhen(true)] out string? stripped)
    {
        stripped = null;
        ArgumentNullException.ThrowIfNull(text);
        var s = text
            .Replace("\n", "")
            .Replace("\\!", "")
            .Replace("\\\\", "\\")
            .Replace("tfrac", "frac")
            .Replace("dfrac", "frac")
            .Replace("\\left", "")
            .Replace("\\right", "")
            .Replace("^{\\circ}", "")
            .Replace("^\\circ", "")
            .Replace("\\$", "");

        var units = s.Split("\\text{ ");
        if (units.Length > 2)
        {
            return false;
        }

        // Two backslashes before % go too, as in the reference: pairs were collapsed above, but three backslashes leave two.
        s = units[0]
            .Replace("\\\\%", "")
            .Replace("\\%", "")
            .Replace(" .", " 0.")
            .Replace("{.", "{0.");
        if (s.Length == 0)
        {
            stripped = s;
            return true;
        }

        if (s[0] == '.')
        {
            s = "0" + s;
        }

        // Drops a variable prefix such as "k = " or "x=" (at most two characters, counted as Python does).
        var sides = s.Split('=');
        if (sides.Length == 2 && PythonText.Length(sides[0]) <= 2)
        {
            s = sides[1];
        }

        if (!TryFixSqrt(s, out s))
        {
            return false;
        }

        s = s.Replace(" ", "");
        if (!TryFixFracs(s, out s))
        {
            return false;
        }

        if (s == "0.5")
        {
            s = "\\frac{1}{2}";
        }

        stripped = FixSlash(s);
        return true;
    }

    // "\sqrt2" -> "\sqrt{2}": braces around a single-character radicand.
    private static bool TryFixSqrt(string s, out string fixedText)
    {
        fixedText = s;
        var parts = s.Split("\\sqrt");
        if (parts.Length == 1)
        {
            return true;
        }

        var result = new StringBuilder(parts[0]);
        foreach (var part in parts.Skip(1))
        {
            if (part.Length == 0)
            {
                return false;
            }

            var first = PythonText.Width(part, 0);
            result.Append(part[0] == '{' ? "\\sqrt" + part : $"\\sqrt{{{part[..first]}}}{part[first..]}");
        }

        fixedText = result.ToString();
        return true;
    }

    // "\frac12" -> "\frac{1}{2}", "\frac1{2}" -> "\frac{1}{2}"; a "\frac" with fewer than two characters after it
    // leaves the whole string unchanged.
    private static bool TryFixFracs(string s, out string fixedText)
    {
        fixedText = s;
        var parts = s.Split("\\frac");
        var result = new StringBuilder(parts[0]);
        foreach (var part in parts.Skip(1))
        {
            if (part.Length == 0)
            {
                return false;
            }

            result.Append("\\frac");
            if (part[0] == '{')
            {
                result.Append(part);
                continue;
            }

            if (PythonText.Length(part) < 2)
            {
                return true;
            }

            var wa = PythonText.Width(part, 0);
            var wb = PythonText.Width(part, wa);
            var (a, b, rest) = (part[..wa], part[wa..(wa + wb)], part[(wa + wb)..]);
            result.Append(b == "{" ? $"{{{a}}}{b}{rest}" : $"{{{a}}}{{{b}}}{rest}");
        }

        fixedText = result.ToString();
        return true;
    }

    // "3/4" -> "\frac{3}{4}" when both sides are integers written canonically.
    private static string FixSlash(string s)
    {
        var sides = s.Split('/');
        return sides.Length == 2 && IsCanonicalInteger(sides[0]) && IsCanonicalInteger(sides[1])
            ? $"\\frac{{{sides[0]}}}{{{sides[1]}}}"
            : s;
    }

    private static bool IsCanonicalInteger(string text)
    {
        var digits = text.StartsWith('-') ? text[1..] : text;
        return digits.Length > 0
            && digits.All(char.IsAsciiDigit)
            && (digits[0] != '0' || digits.Length == 1)
            && text != "-0";
    }
}
