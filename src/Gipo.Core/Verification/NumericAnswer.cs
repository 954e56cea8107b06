using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Gipo.Core.Verification;

/// <summary>
/// Numeric answer comparison for integer-answer training rewards (GSM8K, AIME; §E.5): strips <c>$</c>, commas,
/// <c>\text{}</c> and trailing unit words, parses integers, decimals, <c>\frac{a}{b}</c> and <c>a/b</c>, and compares
/// with a relative tolerance.
/// </summary>
public static partial class NumericAnswer
{
    /// <summary>Default relative tolerance.</summary>
    public const double DefaultRelativeTolerance = 1e-6;

    // Longer answers are not plain numbers; the cap also bounds the work done on garbage.
    private const int MaxLength = 200;

    [GeneratedRegex(@"\\(?:text|textbf|mathrm|mbox)\{([^{}]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex TextCommand();

    // Optional "x=" label, sign, then a decimal, a fraction a/b or \frac{a}{b}, then an optional unit or degree/percent sign.
    [GeneratedRegex(
        @"^(?:[A-Za-z]=)?(?<sign>[-+]?)" +
        @"(?:(?<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:/(?<den>[0-9]+))?" +
        @"|\\frac\{(?<fnum>[0-9]+(?:\.[0-9]+)?)\}\{(?<fden>[0-9]+(?:\.[0-9]+)?)\})" +
        @"(?:[A-Za-z]+|\^\\circ|\^\{\\circ\}|\\%|%)?$",
        RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    /// <summary>Parses <paramref name="text"/> as a number after normalisation; false for anything else.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out double value)
    {
        value = 0;
        if (text is null || text.Length > MaxLength)
        {
            return false;
        }

        var match = NumberPattern().Match(Normalize(text));
        if (!match.Success)
        {
            return false;
        }

        var (numerator, denominator) = match.Groups["fnum"].Success
            ? (match.Groups["fnum"].Value, match.Groups["fden"].Value)
            : (match.Groups["num"].Value, match.Groups["den"].Success ? match.Groups["den"].Value : "1");
        var den = Parse(denominator);
        if (den == 0)
        {
            return false;
        }

        value = Parse(numerator) / den * (match.Groups["sign"].Value == "-" ? -1 : 1);
        return double.IsFinite(value);
    }

    /// <summary>
    /// Whether both answers parse as numbers within relative tolerance <paramref name="relativeTolerance"/>
    /// of each other (relative to the larger magnitude). Argument order does not matter.
    /// </summary>
    public static bool AreEquivalent(string? gold, string? predicted, double relativeTolerance = DefaultRelativeTolerance) =>
        TryParse(gold, out var a) && TryParse(predicted, out var b)
        && Math.Abs(a - b) <= relativeTolerance * Math.Max(Math.Abs(a), Math.Abs(b));

    /// <summary>1 when <paramref name="predicted"/> is numerically equivalent to <paramref name="gold"/>, else 0.</summary>
    public static VerificationResult Verify(string? predicted, string gold, double relativeTolerance = DefaultRelativeTolerance)
    {
        if (!TryParse(predicted, out _))
        {
            return VerificationResult.Fail(predicted is null ? "no answer" : $"answer {Excerpt.Of(predicted)} is not a number");
        }

        return AreEquivalent(gold, predicted, relativeTolerance)
            ? VerificationResult.Pass()
            : VerificationResult.Fail($"answer {Excerpt.Of(predicted)} but expected {Excerpt.Of(gold ?? "")}");
    }

    private static string Normalize(string text)
    {
        var s = text
            .Replace("\\left", "")
            .Replace("\\right", "")
            .Replace("\\!", "")
            .Replace("\\,", "")
            .Replace("\\;", "")
            .Replace("\\ ", "")
            .Replace("{,}", "")
            .Replace("\\$", "")
            .Replace("$", "")
            .Replace(",", "")
            .Replace("dfrac", "frac")
            .Replace("tfrac", "frac");
        s = TextCommand().Replace(s, match => match.Groups[1].Value);
        return string.Concat(s.Where(c => !char.IsWhiteSpace(c)));
    }

    private static double Parse(string number) => double.Parse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}
