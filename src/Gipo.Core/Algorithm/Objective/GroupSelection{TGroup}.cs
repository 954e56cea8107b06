namespace Gipo.Core.Algorithm.Objective;

/// <summary>What <see cref="DynamicSampling.Select{TGroup}"/> pulled from the completed-group queue.</summary>
/// <param name="Accepted">Informative groups in FIFO order, at most B.</param>
/// <param name="Rejected">Non-informative groups, discarded (they still count as samples consumed, docs/algorithm.md §E.3).</param>
/// <param name="Examined">Groups pulled from the queue: accepted + rejected.</param>
/// <param name="HitCap">True when the examination cap stopped the pull before B groups were accepted: train on
/// <paramref name="Accepted"/> and log a warning. False with fewer than B accepted means the queue ran dry.</param>
public sealed record GroupSelection<TGroup>(
    IReadOnlyList<TGroup> Accepted,
    IReadOnlyList<TGroup> Rejected,
    int Examined,
    bool HitCap)
{
    /// <summary>The number of discarded groups.</summary>
    public int RejectedCount => Rejected.Count;
}
