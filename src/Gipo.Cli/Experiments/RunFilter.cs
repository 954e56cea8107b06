using System.Text.RegularExpressions;

namespace Gipo.Cli.Experiments;

/// <summary>The <c>--only</c> glob on run ids: <c>*</c> any text, <c>?</c> one character, e.g. <c>countdown.dapo.*</c>; comma-separated globs are
/// alternatives.</summary>
public sealed class RunFilter
{
    private readonly Regex? pattern;

    public RunFilter(string? glob)
    {
        if (string.IsNullOrWhiteSpace(glob)) return;
        var alternatives = glob.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(g => Regex.Escape(g).Replace(@"\*", ".*").Replace(@"\?", "."));
        pattern = new Regex($"^(?:{string.Join('|', alternatives)})$", RegexOptions.CultureInvariant);
    }

    public bool Matches(string runId) => pattern?.IsMatch(runId) ?? true;
}
