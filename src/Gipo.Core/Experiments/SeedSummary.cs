namespace Gipo.Core.Experiments;

/// <summary>
/// Mean ± standard deviation over seeds (docs/algorithm.md §E.3, "mean ± std"), each seed first reduced to its own
/// mean over prompts so that every seed weighs the same.
/// </summary>
/// <param name="Std">Sample standard deviation (n − 1) of the per-seed means; NaN with a single seed, where it is undefined.</param>
public sealed record SeedSummary(double Mean, double Std, int Seeds)
{
    /// <summary>The summary of <paramref name="valuesBySeed"/> (one list of per-prompt values per seed, none empty).</summary>
    public static SeedSummary Of(IReadOnlyList<IReadOnlyList<double>> valuesBySeed)
    {
        HierarchicalBootstrap.Validate(valuesBySeed, nameof(valuesBySeed));
        var means = valuesBySeed.Select(v => v.Average()).ToArray();
        var mean = means.Average();
        var std = means.Length < 2 ? double.NaN : Math.Sqrt(means.Sum(m => (m - mean) * (m - mean)) / (means.Length - 1));
        return new SeedSummary(mean, std, means.Length);
    }
}
