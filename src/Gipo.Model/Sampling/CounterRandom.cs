namespace Gipo.Model.Sampling;

/// <summary>A stateless, counter-based random source: the same (seed, counter) always gives the same value.</summary>
public static class CounterRandom
{
    /// <summary>SplitMix64 finaliser of seed and counter.</summary>
    public static ulong Next(ulong seed, ulong counter)
    {
        var z = seed + 0x9E3779B97F4A7C15UL * (counter + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A double in [0, 1) with 53 random bits.</summary>
    public static double Uniform(ulong seed, ulong counter) => (Next(seed, counter) >> 11) * (1.0 / (1UL << 53));
}
