namespace Gipo.Core.Tasks;

/// <summary>
/// Which slice of a task's problem space to draw from.
/// </summary>
/// <remarks>
/// <para>
/// Size ranges: the SFT splits use the SFT range and the RL splits the (harder) RL range of the task
/// (ColumnAdd: SFT 2-5 digits, RL 2-7, OOD 8-9). Tasks with one in-distribution range (docs/algorithm.md §E.1) use it for both.
/// </para>
/// <para>
/// Train and test are disjoint by construction: a problem is held out when the FNV-1a hash of its canonical key
/// is 0 mod 10 (<see cref="SplitPartition"/>), whatever its size, so no SFT or RL training problem is ever in
/// <see cref="SftTest"/> or <see cref="RlTest"/>. <see cref="Ood"/> uses sizes outside every train/test range.
/// </para>
/// </remarks>
public enum Split
{
    /// <summary>Training problems of the SFT size range.</summary>
    SftTrain,

    /// <summary>Held-out problems of the SFT size range (SFT evaluation).</summary>
    SftTest,

    /// <summary>Training problems of the RL size range.</summary>
    RlTrain,

    /// <summary>Held-out problems of the RL size range (the in-distribution test set).</summary>
    RlTest,

    /// <summary>Out-of-distribution problems, larger than any train/test problem.</summary>
    Ood,
}

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
