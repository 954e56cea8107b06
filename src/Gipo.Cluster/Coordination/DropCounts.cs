namespace Gipo.Cluster.Coordination;

/// <summary>Dropped groups by reason: each group counts under its current fate (a rollback moves filtered groups to resumed-rollback).</summary>
public readonly record struct DropCounts(long Stale, long Filtered, long LeaseExpiredReissued, long SamplerDiedReissued, long ResumedRollback)
{
    /// <summary>All drops.</summary>
    public long Total => Stale + Filtered + LeaseExpiredReissued + SamplerDiedReissued + ResumedRollback;

    /// <summary>The count for <paramref name="reason"/>.</summary>
    public long this[DropReason reason] => reason switch
    {
        DropReason.Stale => Stale,
        DropReason.Filtered => Filtered,
        DropReason.LeaseExpiredReissued => LeaseExpiredReissued,
        DropReason.SamplerDiedReissued => SamplerDiedReissued,
        DropReason.ResumedRollback => ResumedRollback,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown drop reason"),
    };

    /// <summary>These counts with <paramref name="delta"/> added under <paramref name="reason"/>.</summary>
    public DropCounts Add(DropReason reason, long delta) => reason switch
    {
        DropReason.Stale => this with { Stale = Stale + delta },
        DropReason.Filtered => this with { Filtered = Filtered + delta },
        DropReason.LeaseExpiredReissued => this with { LeaseExpiredReissued = LeaseExpiredReissued + delta },
        DropReason.SamplerDiedReissued => this with { SamplerDiedReissued = SamplerDiedReissued + delta },
        DropReason.ResumedRollback => this with { ResumedRollback = ResumedRollback + delta },
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown drop reason"),
    };
}
