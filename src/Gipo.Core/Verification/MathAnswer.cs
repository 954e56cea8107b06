namespace Gipo.Core.Verification;

/// <summary>
/// MATH-style answer extraction and equivalence with the behaviour of veRL's <c>math.py</c> (Hendrycks MATH):
/// the last <c>\boxed{...}</c> found by a balanced-brace scan, unwrapped, then compared with the ground truth
/// after <see cref="MathNormalizer"/>.
/// </summary>
/// <remarks>
/// Differences from veRL, all on malformed input: the form is decided by the last <c>\boxed</c> alone (veRL prefers
/// any <c>\boxed </c> anywhere), a closing brace before any opening one ends the scan with no match, and nothing
/// throws: where veRL's assertions would fail, these methods return <see langword="null"/>.
/// </remarks>
public static class MathAnswer
{
    private const string Boxed = "\\boxed";
    private const string FBox = "\\fbox";

    /// <summary>
    /// The last <c>\boxed{...}</c> (or, when there is no <c>\boxed</c>, the last <c>\fbox{...}</c>) including the
    /// command, with nested braces balanced; for the <c>\boxed 5</c> form, the text up to the next <c>$</c>.
    /// Null when there is none or its braces never balance.
    /// </summary>
    public static string? LastBoxedOnlyString(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var start = text.LastIndexOf(Boxed, StringComparison.Ordinal);
        if (start >= 0 && text.AsSpan(start + Boxed.Length).StartsWith(" "))
        {
            var rest = text[(start + Boxed.Length + 1)..];
            var dollar = rest.IndexOf('$');
            return Boxed + " " + (dollar < 0 ? rest : rest[..dollar]);
        }

        if (start < 0)
        {
            start = text.LastIndexOf(FBox, StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }
        }

        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            if (text[i] == '{')
            {
                depth++;
            }
            else if (text[i] == '}' && --depth <= 0)
            {
                return depth == 0 ? text[start..(i + 1)] : null;
            }
        }

        return null;
    }

    /// <summary>
    /// The content of a <see cref="LastBoxedOnlyString"/> result: <c>\boxed{x}</c>, <c>\fbox{x}</c> or
    /// <c>\boxed x</c> gives <c>x</c>. Null for anything else.
    /// </summary>
    public static string? RemoveBoxed(string? boxed)
    {
        if (boxed is null)
        {
            return null;
        }

        if (boxed.StartsWith(Boxed + " ", StringComparison.Ordinal))
        {
            return boxed[(Boxed.Length + 1)..];
        }

        foreach (var command in (ReadOnlySpan<string>)[Boxed, FBox])
        {
            var open = command + "{";
            if (boxed.StartsWith(open, StringComparison.Ordinal) && boxed.EndsWith('}') && boxed.Length > open.Length)
            {
                return boxed[open.Length..^1];
            }
        }

        return null;
    }

    /// <summary>The unwrapped content of the last boxed answer in <paramref name="text"/>, or null.</summary>
    public static string? ExtractBoxed(string text) => RemoveBoxed(LastBoxedOnlyString(text));

    /// <summary>
    /// veRL's <c>is_equiv</c>: equal after <see cref="MathNormalizer.TryStrip"/>; when normalising either side fails,
    /// the raw strings must be equal. Two nulls are equivalent; a null and a string are not.
    /// </summary>
    public static bool IsEquivalent(string? first, string? second)
    {
        if (first is null || second is null)
        {
            return first is null && second is null;
        }

        return MathNormalizer.TryStrip(first, out var a) && MathNormalizer.TryStrip(second, out var b)
            ? a == b
            : first == second;
    }

    /// <summary>veRL's MATH <c>compute_score</c>: 1 when the last boxed answer is equivalent to the ground truth, else 0.</summary>
    public static VerificationResult Verify(string response, string groundTruth)
    {
        var answer = ExtractBoxed(response ?? string.Empty);
        if (answer is null)
        {
            return VerificationResult.Fail("no \\boxed{} answer");
        }

        return IsEquivalent(answer, groundTruth)
            ? VerificationResult.Pass()
            : VerificationResult.Fail($"answer {Excerpt.Of(answer)} not equivalent to {Excerpt.Of(groundTruth ?? "")}");
    }
}
