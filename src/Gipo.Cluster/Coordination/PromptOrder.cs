using Gipo.Model.Sampling;

namespace Gipo.Cluster.Coordination;

/// <summary>
/// The run's prompt order as a pure function of (run seed, prompt count, sequence number): draw s is prompt
/// π_e(s mod n) of epoch e = s div n, where π_e is a seeded permutation, and samples with seed f(run seed, s). The
/// data cursor is then one number, so a resumed run continues the same order without storing any permutation.
/// </summary>
public static class PromptOrder
{
    private const int FeistelRounds = 4;

    // Separates the permutation keys from the per-draw sampling seeds derived from the same run seed.
    private const ulong PermutationDomain = 0x5851F42D4C957F2DUL;

    /// <summary>Draw <paramref name="sequence"/>: its prompt and its sampling seed.</summary>
    public static PromptSlot Slot(long sequence, long promptCount, ulong runSeed) =>
        new(sequence, PromptIndex(sequence, promptCount, runSeed), Seed(sequence, runSeed));

    /// <summary>The sampling seed of draw <paramref name="sequence"/> (a re-issued group keeps it).</summary>
    public static ulong Seed(long sequence, ulong runSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        return CounterRandom.Next(runSeed, (ulong)sequence);
    }

    /// <summary>The data cursor of the next fresh draw <paramref name="nextSequence"/>.</summary>
    public static PromptCursor Cursor(long nextSequence, long promptCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nextSequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(promptCount, 1);
        return new PromptCursor(nextSequence / promptCount, nextSequence % promptCount, nextSequence);
    }

    /// <summary>The prompt of draw <paramref name="sequence"/>: every epoch visits each of the <paramref name="promptCount"/> prompts once.</summary>
    public static long PromptIndex(long sequence, long promptCount, ulong runSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(promptCount, 1);
        var epoch = sequence / promptCount;
        var key = CounterRandom.Next(runSeed ^ PermutationDomain, (ulong)epoch);
        return Permute(sequence % promptCount, promptCount, key);
    }

    /// <summary>
    /// A keyed bijection of [0, n): a balanced Feistel network on the smallest even bit width covering n, with
    /// cycle walking (re-encrypt until the value falls below n). The width is below 4n, so a walk takes under four
    /// encryptions on average and no O(n) table is ever built, whatever the data-set size.
    /// </summary>
    internal static long Permute(long position, long n, ulong key)
    {
        if (n == 1) return 0;
        var bits = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(n - 1));
        var half = Math.Max(1, (bits + 1) / 2);
        var mask = (1UL << half) - 1;
        var x = (ulong)position;
        do x = Encrypt(x, half, mask, key);
        while (x >= (ulong)n);
        return (long)x;
    }

    private static ulong Encrypt(ulong x, int half, ulong mask, ulong key)
    {
        ulong left = x >> half, right = x & mask;
        for (var round = 0; round < FeistelRounds; round++)
        {
            var f = CounterRandom.Next(key + (ulong)round, right) & mask;
            (left, right) = (right, left ^ f);
        }
        return (left << half) | right;
    }
}
