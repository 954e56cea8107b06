using System.Diagnostics.CodeAnalysis;

namespace Gipo.Core.Tasks;

/// <summary>
/// A response split into its step lines and its final <c>A:</c> line, for tasks whose verifier checks every step.
/// </summary>
/// <param name="Steps">The lines before the final <c>A:</c> line.</param>
/// <param name="Answer">The text after <c>A:</c> on the final line.</param>
public sealed record StepResponse(IReadOnlyList<string> Steps, string Answer)
{
    /// <summary>
    /// Splits <paramref name="response"/> at its last line starting with <c>A:</c>; fails with a reason when there
    /// is no such line or anything but blank lines follows it.
    /// </summary>
    public static bool TryParse(string response, [NotNullWhen(true)] out StepResponse? parsed, out string reason)
    {
        parsed = null;
        var lines = (response ?? string.Empty).Split('\n');
        var answerLine = Array.FindLastIndex(lines, line => line.StartsWith("A:", StringComparison.Ordinal));
        if (answerLine < 0)
        {
            reason = "no final A: line";
            return false;
        }

        if (lines.Skip(answerLine + 1).Any(line => line.Length > 0))
        {
            reason = "text after the A: line";
            return false;
        }

        parsed = new StepResponse(lines[..answerLine], lines[answerLine]["A:".Length..]);
        reason = string.Empty;
        return true;
    }
}
