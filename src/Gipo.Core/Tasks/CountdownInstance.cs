using System.Globalization;

namespace Gipo.Core.Tasks;

/// <summary>A Countdown instance: reach <see cref="Target"/> from the multiset <see cref="Numbers"/>.</summary>
/// <param name="Numbers">The starting multiset, in ascending order (the prompt order).</param>
/// <param name="Target">The value to produce.</param>
public sealed record CountdownInstance(IReadOnlyList<int> Numbers, int Target) : ITaskInstance
{
    /// <inheritdoc />
    public string Prompt => $"Q:CD {string.Join(' ', Numbers)} T:{Target}\n";

    /// <inheritdoc />
    public string Answer => Target.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public string SplitKey => Prompt;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Data => new Dictionary<string, string>
    {
        ["numbers"] = string.Join(' ', Numbers),
        ["target"] = Answer,
    };

    /// <summary>Renders a step sequence as a response: the step lines, then <c>A:target</c>.</summary>
    public string Response(IEnumerable<CountdownStep> steps) =>
        string.Concat(steps.Select(step => $"{step}\n")) + $"A:{Target}\n";
}
