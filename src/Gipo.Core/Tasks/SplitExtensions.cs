namespace Gipo.Core.Tasks;

/// <summary>Queries on <see cref="Split"/>.</summary>
public static class SplitExtensions
{
    /// <summary>The kebab-case names the CLI and HOCON use: <c>sft-train</c>, <c>sft-test</c>, <c>rl-train</c>, <c>rl-test</c>, <c>ood</c>.</summary>
    public static IReadOnlyDictionary<string, Split> Names { get; } = new Dictionary<string, Split>(StringComparer.Ordinal)
    {
        ["sft-train"] = Split.SftTrain, ["sft-test"] = Split.SftTest, ["rl-train"] = Split.RlTrain, ["rl-test"] = Split.RlTest, ["ood"] = Split.Ood,
    };

    /// <summary>The split named <paramref name="name"/>, one of <paramref name="allowed"/> (all when null).</summary>
    /// <exception cref="ArgumentException">Another name; the message lists the allowed ones.</exception>
    public static Split Parse(string name, IReadOnlyCollection<Split>? allowed = null)
    {
        var names = Names.Where(kv => allowed is null || allowed.Contains(kv.Value)).Select(kv => kv.Key).ToList();
        return Names.TryGetValue(name, out var split) && (allowed is null || allowed.Contains(split))
            ? split
            : throw new ArgumentException($"unknown split '{name}' ({string.Join(", ", names)})");
    }

    /// <summary>Whether the split draws from the held-out (test) partition.</summary>
    public static bool IsHeldOut(this Split split) => split switch
    {
        Split.SftTest or Split.RlTest => true,
        Split.SftTrain or Split.RlTrain or Split.Ood => false,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split"),
    };

    /// <summary>Whether the split uses the SFT size range (as opposed to the RL or OOD range).</summary>
    public static bool IsSft(this Split split) => split is Split.SftTrain or Split.SftTest;
}
