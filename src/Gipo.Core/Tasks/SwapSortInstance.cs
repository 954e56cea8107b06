namespace Gipo.Core.Tasks;

/// <summary>A SwapSort instance: sort <see cref="Values"/> by swaps.</summary>
/// <param name="Values">The list to sort.</param>
public sealed record SwapSortInstance(IReadOnlyList<int> Values) : ITaskInstance
{
    /// <inheritdoc />
    public string Prompt => $"Q:SORT {string.Join(' ', Values)}\n";

    /// <inheritdoc />
    public string Answer => string.Join(' ', Values.Order());

    /// <inheritdoc />
    public string SplitKey => Prompt;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Data => new Dictionary<string, string> { ["values"] = string.Join(' ', Values) };

    /// <summary>Renders a swap sequence as a response: <c>S i j:&lt;list after swap&gt;</c> lines, then <c>A:&lt;sorted&gt;</c>.</summary>
    public string Response(IEnumerable<(int I, int J)> swaps)
    {
        var state = Values.ToArray();
        var lines = swaps.Select(swap =>
        {
            (state[swap.I], state[swap.J]) = (state[swap.J], state[swap.I]);
            return $"S {swap.I} {swap.J}:{string.Join(' ', state)}\n";
        });
        return string.Concat(lines) + $"A:{Answer}\n";
    }
}
