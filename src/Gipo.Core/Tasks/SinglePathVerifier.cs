using System.Text.RegularExpressions;
using Gipo.Core.Verification;

namespace Gipo.Core.Tasks;

/// <summary>
/// Verifier for single-path tasks (ColumnAdd, ModChain): the score depends only on the last <c>A:(\d+)</c>,
/// so any correct derivation scores (docs/algorithm.md §E.1), but the reason also names the first wrong intermediate line so failures can be
/// diagnosed.
/// </summary>
public static partial class SinglePathVerifier
{
    // [0-9] rather than \d: \d also matches non-ASCII digits, which long.Parse-style comparison must not see.
    [GeneratedRegex("A:([0-9]+)", RegexOptions.CultureInvariant)]
    private static partial Regex AnswerPattern();

    /// <summary>Scores <paramref name="response"/> against the expected step lines and non-negative integer answer.</summary>
    public static VerificationResult Verify(string response, IReadOnlyList<string> expectedSteps, string expectedAnswer)
    {
        ArgumentNullException.ThrowIfNull(expectedSteps);
        ArgumentNullException.ThrowIfNull(expectedAnswer);
        response ??= string.Empty;

        var answers = AnswerPattern().Matches(response);
        if (answers.Count == 0)
        {
            return VerificationResult.Fail("no final A: line");
        }

        var last = answers[^1];
        var answer = WithoutLeadingZeros(last.Groups[1].Value);
        var lineStart = response.AsSpan(0, last.Index).LastIndexOf('\n') + 1;
        var stepIssue = FirstStepIssue(response[..lineStart], expectedSteps);

        if (answer == WithoutLeadingZeros(expectedAnswer))
        {
            return VerificationResult.Pass(stepIssue is null ? "correct" : $"correct answer, but {stepIssue}");
        }

        var wrong = $"answer {Excerpt.Of(answer)} but expected {expectedAnswer}";
        return VerificationResult.Fail(stepIssue is null ? wrong : $"{wrong}; {stepIssue}");
    }

    private static string? FirstStepIssue(string stepsText, IReadOnlyList<string> expected)
    {
        // stepsText ends just after a newline (or is empty), so the final split element is always empty.
        var lines = stepsText.Split('\n')[..^1];
        for (var i = 0; i < Math.Max(lines.Length, expected.Count); i++)
        {
            var step = i + 1;
            if (i >= lines.Length)
            {
                return $"step {step} missing (expected {expected[i]})";
            }

            if (i >= expected.Count)
            {
                return $"unexpected line {step}: {Excerpt.Of(lines[i])}";
            }

            if (lines[i] != expected[i])
            {
                return $"step {step}: {Excerpt.Of(lines[i])} but expected {expected[i]}";
            }
        }

        return null;
    }

    private static string WithoutLeadingZeros(string digits)
    {
        var trimmed = digits.TrimStart('0');
        return trimmed.Length == 0 ? "0" : trimmed;
    }
}
