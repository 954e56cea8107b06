namespace Gipo.Core.Verification;

/// <summary>
/// MATH-style answer extraction and equivalence with the behaviour of veRL's <c>math.py</c> (Hendrycks MATH, now
/// <c>math_reward.py</c>): the last <c>\boxed</c> answer, unwrapped, then compared with the ground truth after
/// <see cref="MathNormalizer"/>. Where veRL raises (its assertions, caught by its <c>compute_score</c> as a score of 0)
/// these methods return <see langword="null"/>; nothing throws. <see cref="ExtractLastBraced"/> is math_dapo.py's
/// stricter rule, which §E.5 uses for extraction. docs/verifiers.md lists the differences from the references.
/// </summary>
public static class MathAnswer
{
    private const string Boxed = "\\boxed";
    private const string BoxedSpace = "\\boxed ";
    private const string BoxedBrace = "\\boxed{";
    private const string FBox = "\\fbox";

    /// <summary>
    /// math.py's <c>last_boxed_only_string</c>: when the text holds <c>\boxed </c> (with a space) anywhere, that form wins:
    /// <c>\boxed </c> plus the text after its last occurrence up to the next <c>$</c>. Otherwise the last <c>\boxed</c>
    /// (or, without one, the last <c>\fbox</c>) up to the <c>}</c> that brings the count of braces opened since it back to
    /// zero. Null when there is none or the count never returns to zero.
    /// </summary>
    public static string? LastBoxedOnlyString(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var space = text.LastIndexOf(BoxedSpace, StringComparison.Ordinal);
        if (space >= 0)
        {
            var rest = text[(space + BoxedSpace.Length)..];
            var dollar = rest.IndexOf('$');
            return BoxedSpace + (dollar < 0 ? rest : rest[..dollar]);
        }

        var start = text.LastIndexOf(Boxed, StringComparison.Ordinal);
        if (start < 0)
        {
            start = text.LastIndexOf(FBox, StringComparison.Ordinal);
        }

        return start < 0 ? null : BalancedFrom(text, start);
    }

    /// <summary>
    /// math.py's <c>remove_boxed</c>: <c>\boxed x</c> gives <c>x</c>, <c>\boxed{x}</c> gives <c>x</c>. Null where the
    /// reference's assertions fail: any other form (<c>\fbox{x}</c> included), or a text that holds <c>\boxed </c>
    /// without starting with it.
    /// </summary>
    public static string? RemoveBoxed(string? boxed)
    {
        if (boxed is null)
        {
            return null;
        }

        if (boxed.Contains(BoxedSpace, StringComparison.Ordinal))
        {
            return boxed.StartsWith(BoxedSpace, StringComparison.Ordinal) ? boxed[BoxedSpace.Length..] : null;
        }

        return boxed.StartsWith(BoxedBrace, StringComparison.Ordinal) && boxed.Length > BoxedBrace.Length && boxed.EndsWith('}')
            ? boxed[BoxedBrace.Length..^1]
            : null;
    }

    /// <summary>The unwrapped content of the last boxed answer in <paramref name="text"/> (math.py's rule), or null.</summary>
    public static string? ExtractBoxed(string text) => RemoveBoxed(LastBoxedOnlyString(text));

    /// <summary>
    /// math_dapo.py's <c>last_boxed_only_string</c> + <c>remove_boxed</c> (§E.5): the content of the last
    /// <c>\boxed{</c> up to its balancing <c>}</c>; null when there is none or it never closes. The <c>\boxed x</c> and
    /// <c>\fbox{}</c> forms are not answers here.
    /// </summary>
    public static string? ExtractLastBraced(string text)
    {
        var start = string.IsNullOrEmpty(text) ? -1 : text.LastIndexOf(BoxedBrace, StringComparison.Ordinal);
        return start < 0 ? null : BalancedFrom(text, start)?[BoxedBrace.Length..^1];
    }

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

    // text[start..] up to the first '}' at which (opened − closed) braces since start is 0, as both references scan:
    // a stray '}' makes the count negative and the scan goes on.
    private static string? BalancedFrom(string text, int start)
    {
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            if (text[i] == '{')
            {
                depth++;
            }
            else if (text[i] == '}' && --depth == 0)
            {
                return text[start..(i + 1)];
            }
        }

        return null;
    }
}
