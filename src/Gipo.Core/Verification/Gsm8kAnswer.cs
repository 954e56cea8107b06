using System.Text.RegularExpressions;

namespace Gipo.Core.Verification;

/// <summary>How a GSM8K prediction is taken from a response.</summary>
public enum Gsm8kMethod
{
    /// <summary>The number after the last <c>#### </c> (veRL's strict variant).</summary>
    Strict,

    /// <summary>The last number-like run in the text (veRL's flexible variant).</summary>
    Flexible,

    /// <summary>The content of the last <c>\boxed{}</c> (the evaluation protocol's primary prediction, §E.5).</summary>
    Boxed,
}

/// <summary>
/// GSM8K answer extraction and scoring with the behaviour of veRL's <c>gsm8k.py</c>: exact string comparison of
/// the extracted prediction with the ground truth, score 1 when equal, the format score otherwise.
/// </summary>
/// <remarks>
/// As in veRL, strict and flexible read only the last <see cref="SolutionClipChars"/> characters (code points, as
/// Python counts them); the flexible variant keeps commas and trailing periods (<c>42.</c> does not equal <c>42</c>),
/// a lone <c>,</c> counts as a match, and when every match is a lone <c>.</c> the first one is returned. The boxed
/// variant is §E.5's, not veRL's gsm8k.py (docs/verifiers.md lists every difference).
/// </remarks>
public static partial class Gsm8kAnswer
{
    /// <summary>veRL's <c>_SOLUTION_CLIP_CHARS</c>: strict and flexible extraction look at this many last characters.</summary>
    public const int SolutionClipChars = 300;

    [GeneratedRegex(@"#### (-?[0-9.,]+)", RegexOptions.CultureInvariant)]
    private static partial Regex StrictPattern();

    [GeneratedRegex(@"-?[0-9.,]+", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    /// <summary>
    /// The number after the last <c>#### </c> in the last <see cref="SolutionClipChars"/> characters, with commas and
    /// dollar signs removed; null if none.
    /// </summary>
    public static string? ExtractStrict(string text)
    {
        var matches = StrictPattern().Matches(Clip(text));
        return matches.Count == 0 ? null : matches[^1].Groups[1].Value.Replace(",", "").Replace("$", "");
    }

    /// <summary>
    /// The last match of <c>-?[0-9.,]+</c> in the last <see cref="SolutionClipChars"/> characters that is not a lone
    /// <c>.</c>, verbatim; when every match is <c>.</c>, the first match (veRL's loop variable ends there); null if none.
    /// </summary>
    public static string? ExtractFlexible(string text)
    {
        var matches = NumberPattern().Matches(Clip(text)).Select(match => match.Value).ToList();
        return matches.Count == 0 ? null : matches.LastOrDefault(value => value != ".") ?? matches[0];
    }

    /// <summary>
    /// The content of the last <c>\boxed{}</c> (§E.5: math_dapo.py's balanced-brace rule,
    /// <see cref="MathAnswer.ExtractLastBraced"/>) with commas, <c>\$</c> and <c>$</c> removed; null if none.
    /// </summary>
    public static string? ExtractBoxed(string text) =>
        MathAnswer.ExtractLastBraced(text)?.Replace("\\$", "").Replace("$", "").Replace(",", "").Trim();

    /// <summary>The prediction extracted by <paramref name="method"/>.</summary>
    public static string? Extract(string text, Gsm8kMethod method) => method switch
    {
        Gsm8kMethod.Strict => ExtractStrict(text),
        Gsm8kMethod.Flexible => ExtractFlexible(text),
        Gsm8kMethod.Boxed => ExtractBoxed(text),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown method"),
    };

    /// <summary>
    /// The gold answer of a GSM8K answer text as veRL's data preprocessing takes it: the number after the first
    /// <c>#### </c> anywhere in the text, commas removed; null if none.
    /// </summary>
    public static string? Gold(string answerText) =>
        StrictPattern().Match(answerText ?? string.Empty) is { Success: true } match ? match.Groups[1].Value.Replace(",", "") : null;

    private static string Clip(string? text) => PythonText.Last(text ?? string.Empty, SolutionClipChars);

    /// <summary>
    /// Scores <paramref name="response"/>: <paramref name="score"/> when the extracted prediction equals
    /// <paramref name="groundTruth"/>, <paramref name="formatScore"/> when it differs, 0 when nothing is extracted.
    /// </summary>
    public static VerificationResult Verify(
        string response, string groundTruth, Gsm8kMethod method = Gsm8kMethod.Strict, double formatScore = 0.0, double score = 1.0)
    {
        var prediction = Extract(response, method);
        if (prediction is null)
        {
            return VerificationResult.Fail($"no {method.ToString().ToLowerInvariant()} answer");
        }

        return prediction == groundTruth
            ? VerificationResult.Pass(score: score)
            : VerificationResult.Fail($"answer {Excerpt.Of(prediction)} but expected {Excerpt.Of(groundTruth ?? "")}", formatScore);
    }
}
