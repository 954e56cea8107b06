namespace Gipo.Core.Experiments;

/// <summary>
/// Two-level (seeds, then prompts) bootstrap of a mean, docs/algorithm.md §E.3 (statistics). Each resample draws
/// seeds with replacement, then, inside each drawn seed, that seed's prompts with replacement; the statistic is the
/// mean over every drawn (seed, prompt) value. Resampling both levels makes the interval reflect seed-to-seed
/// variance of training as well as the finite prompt set, which a prompt-only bootstrap would understate.
/// A run-level metric (one value per seed, e.g. AUC) is the special case of one "prompt" per seed.
/// </summary>
public static class HierarchicalBootstrap
{
    /// <summary>
    /// The mean over all (seed, prompt) values and its percentile interval. <paramref name="valuesBySeed"/> holds one
    /// non-empty list of per-prompt values per seed; seeds may have different prompt counts.
    /// </summary>
    public static ConfidenceInterval Mean(IReadOnlyList<IReadOnlyList<double>> valuesBySeed, BootstrapSettings settings)
    {
        var distribution = Distribution(valuesBySeed, settings);
        Array.Sort(distribution);
        var tail = (1 - settings.Level) / 2;
        return new ConfidenceInterval(PooledMean(valuesBySeed), Percentile(distribution, tail), Percentile(distribution, 1 - tail));
    }

    /// <summary>
    /// Paired comparison of <paramref name="method"/> with <paramref name="baseline"/>: entry [s][p] of one is paired with
    /// entry [s][p] of the other (same seed, same prompt), and every resample applies the same seed and prompt draws to
    /// both — which is the bootstrap of the per-pair differences. The pairing cancels the shared difficulty of a
    /// prompt, so the interval of Δ is narrower than that of either mean.
    /// </summary>
    public static PairedDifference Paired(
        IReadOnlyList<IReadOnlyList<double>> method, IReadOnlyList<IReadOnlyList<double>> baseline, BootstrapSettings settings)
    {
        Validate(method, nameof(method));
        Validate(baseline, nameof(baseline));
        if (method.Count != baseline.Count)
            throw new ArgumentException($"paired bootstrap needs the same seeds on both sides (method has {method.Count}, " +
                                        $"baseline {baseline.Count})");
        var differences = new IReadOnlyList<double>[method.Count];
        for (var s = 0; s < method.Count; s++)
        {
            if (method[s].Count != baseline[s].Count)
                throw new ArgumentException($"paired bootstrap: seed {s} has {method[s].Count} method values and " +
                                            $"{baseline[s].Count} baseline values");
            differences[s] = method[s].Zip(baseline[s], (m, b) => m - b).ToArray();
        }
        var distribution = Distribution(differences, settings);
        Array.Sort(distribution);
        var atOrBelowZero = distribution.Count(d => d <= 0) / (double)distribution.Length;
        var tail = (1 - settings.Level) / 2;
        var delta = new ConfidenceInterval(PooledMean(differences), Percentile(distribution, tail), Percentile(distribution, 1 - tail));
        return new PairedDifference(delta, atOrBelowZero);
    }

    /// <summary>
    /// The <see cref="BootstrapSettings.Resamples"/> resampled statistics, in draw order (deterministic for a given
    /// <see cref="BootstrapSettings.Seed"/>).
    /// </summary>
    public static double[] Distribution(IReadOnlyList<IReadOnlyList<double>> valuesBySeed, BootstrapSettings settings)
    {
        Validate(valuesBySeed, nameof(valuesBySeed));
        settings.Validate();
        var rng = new SplitMix64(settings.Seed);
        // Arrays, not the interface: the loop below runs ~10^7 times per interval.
        var values = valuesBySeed.Select(v => v.ToArray()).ToArray();
        var seeds = values.Length;
        var result = new double[settings.Resamples];
        for (var r = 0; r < result.Length; r++)
        {
            double sum = 0;
            long count = 0;
            for (var s = 0; s < seeds; s++)
            {
                var prompts = values[rng.Next(seeds)];
                for (var p = 0; p < prompts.Length; p++) sum += prompts[rng.Next(prompts.Length)];
                count += prompts.Length;
            }
            result[r] = sum / count;
        }
        return result;
    }

    /// <summary>
    /// The <paramref name="quantile"/> of ascending <paramref name="sorted"/> by linear interpolation between order
    /// statistics (Hyndman–Fan type 7, numpy's default), so reports match a reader's numpy check.
    /// </summary>
    public static double Percentile(IReadOnlyList<double> sorted, double quantile)
    {
        if (sorted.Count == 0) throw new ArgumentException("percentile of an empty sample");
        if (quantile is < 0 or > 1) throw new ArgumentException($"quantile must be in [0, 1] (got {quantile})");
        var h = (sorted.Count - 1) * quantile;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    internal static void Validate(IReadOnlyList<IReadOnlyList<double>> valuesBySeed, string name)
    {
        if (valuesBySeed.Count == 0) throw new ArgumentException($"{name}: no seeds");
        for (var s = 0; s < valuesBySeed.Count; s++)
        {
            if (valuesBySeed[s].Count == 0) throw new ArgumentException($"{name}: seed {s} has no values");
            if (valuesBySeed[s].Any(v => !double.IsFinite(v))) throw new ArgumentException($"{name}: seed {s} has a non-finite value");
        }
    }

    private static double PooledMean(IReadOnlyList<IReadOnlyList<double>> valuesBySeed) =>
        valuesBySeed.Sum(v => v.Sum()) / valuesBySeed.Sum(v => v.Count);
}
