namespace Gipo.Core.Tasks;

/// <summary>Decides train versus held-out membership from a problem's canonical key alone.</summary>
public static class SplitPartition
{
    /// <summary>One problem in this many is held out.</summary>
    public const int Modulus = 10;

    /// <summary>Whether the problem with canonical key <paramref name="key"/> belongs to the held-out (test) partition.</summary>
    public static bool IsHeldOut(string key) => StableHash.Fnv1a64(key) % Modulus == 0;
}
