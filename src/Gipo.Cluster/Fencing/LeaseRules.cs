namespace Gipo.Cluster.Fencing;

/// <summary>
/// The decisions of the journal lease, pure (no database, no clock of their own): who may acquire, renew, release,
/// and whether a write under a given epoch may land. <see cref="JournalLeaseTable"/> applies them with a
/// compare-and-set on the row's epoch, so two contenders deciding from the same row cannot both win.
/// </summary>
public static class LeaseRules
{
    /// <summary>
    /// The row <paramref name="me"/> would write to acquire the lease now, or null when another holder's lease is live.
    /// A free or expired lease, or one held by an earlier incarnation at the same address (that process is gone: no two
    /// processes bind one address), passes with the epoch raised by one; the holder's own live lease is renewed under
    /// its epoch.
    /// </summary>
    public static LeaseRecord? Acquire(LeaseRecord? current, string me, long nowMs, long ttlMs)
    {
        if (ttlMs <= 0) throw new ArgumentOutOfRangeException(nameof(ttlMs), ttlMs, "the lease time-to-live must be > 0");
        if (current is null) return new LeaseRecord(me, nowMs + ttlMs, 1);
        if (current.Holder == me) return current with { ExpiresMs = nowMs + ttlMs };
        var sameAddress = LeaseHolderId.Owner(current.Holder) == LeaseHolderId.Owner(me);
        if (current.LiveAt(nowMs) && !sameAddress) return null;
        return new LeaseRecord(me, nowMs + ttlMs, current.Epoch + 1);
    }

    /// <summary>
    /// The row that renews <paramref name="me"/>'s lease of epoch <paramref name="epoch"/>, or null when it was lost
    /// (another holder or a later epoch is in the row). An expired row that nobody took is still this holder's: no
    /// write of anyone else can have landed under its epoch.
    /// </summary>
    public static LeaseRecord? Renew(LeaseRecord? current, string me, long epoch, long nowMs, long ttlMs) =>
        current is not null && current.Holder == me && current.Epoch == epoch ? current with { ExpiresMs = nowMs + ttlMs } : null;

    /// <summary>The row after <paramref name="me"/> releases its lease (expired now, epoch kept), or null when it holds none.</summary>
    public static LeaseRecord? Release(LeaseRecord? current, string me, long epoch, long nowMs) =>
        current is not null && current.Holder == me && current.Epoch == epoch
            ? current with { ExpiresMs = Math.Min(current.ExpiresMs, nowMs) } : null;

    /// <summary>
    /// Why a write by <paramref name="me"/> under epoch <paramref name="epoch"/> must not land now, or null when it may:
    /// the row must name this holder and epoch, and the lease must not end within <paramref name="marginMs"/> (a write
    /// that starts just before the expiry could otherwise land after another holder acquired).
    /// </summary>
    public static string? FenceViolation(LeaseRecord? current, string me, long epoch, long nowMs, long marginMs)
    {
        if (epoch < 1) return "this node holds no lease";
        if (current is null) return $"the lease row is gone (this node held epoch {epoch})";
        if (current.Epoch != epoch || current.Holder != me)
            return $"epoch {epoch} is stale: the lease is at epoch {current.Epoch}, held by {current.Holder}";
        if (current.ExpiresMs - marginMs <= nowMs)
            return $"the lease of epoch {epoch} expires at {Describe(current.ExpiresMs)} (not renewed in time)";
        return null;
    }

    /// <summary>A Unix-epoch millisecond time as ISO 8601 UTC, for messages.</summary>
    public static string Describe(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'",
        System.Globalization.CultureInfo.InvariantCulture);
}
