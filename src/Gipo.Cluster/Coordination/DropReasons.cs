namespace Gipo.Cluster.Coordination;

/// <summary>Names of <see cref="DropReason"/> as status output and metrics print them.</summary>
public static class DropReasons
{
    /// <summary>Every reason, in journal order.</summary>
    public static IReadOnlyList<DropReason> All { get; } = Enum.GetValues<DropReason>();

    /// <summary>The kebab-case name: <c>stale</c>, <c>filtered</c>, <c>lease-expired-reissued</c>, <c>sampler-died-reissued</c>,
    /// <c>resumed-rollback</c>.</summary>
    public static string Name(this DropReason reason) => reason switch
    {
        DropReason.Stale => "stale",
        DropReason.Filtered => "filtered",
        DropReason.LeaseExpiredReissued => "lease-expired-reissued",
        DropReason.SamplerDiedReissued => "sampler-died-reissued",
        DropReason.ResumedRollback => "resumed-rollback",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown drop reason"),
    };

    /// <summary>Whether the dropped group's prompt slot goes back into the queue. A filtered prompt carried no signal; it is not retried.</summary>
    public static bool Requeues(this DropReason reason) => reason != DropReason.Filtered;
}
