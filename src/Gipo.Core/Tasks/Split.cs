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
