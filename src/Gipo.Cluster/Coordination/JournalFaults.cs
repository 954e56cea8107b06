using Gipo.Cluster.Learning;

namespace Gipo.Cluster.Coordination;

/// <summary>
/// Decides whether a journal failure of the coordinator ends the run (issue 11, item 7). A failed write stops the
/// persistent coordinator and its back-off supervisor starts it again, which is right for a database that was briefly
/// away. A full disk under the journal (SQLite error 13 SQLITE_FULL; PostgreSQL SQLSTATE 53100 "could not extend file")
/// does not free itself: every incarnation would recover, fail the next write the same way and be restarted, for ever.
/// That ends the run with the cause, like a full disk under the learner's checkpoints (<see cref="LearnerFailures"/>).
/// </summary>
public static class JournalFaults
{
    /// <summary>
    /// The reason to end the run with when <paramref name="cause"/> (writing <paramref name="what"/> to the journal
    /// described by <paramref name="journal"/>) would repeat on every retry, or null when a restart may succeed.
    /// <paramref name="freeBytes"/>: free space where the journal lives, when known (a local SQLite file).
    /// </summary>
    public static string? Repeating(Exception cause, string what, string journal, long? freeBytes)
    {
        ArgumentNullException.ThrowIfNull(cause);
        if (!DiskSpace.IsFull(cause)) return null;
        var free = freeBytes is { } f ? $"{f / 1e6:F1} MB are free there" : "the free space there is unknown (a database server's own disk)";
        return $"the journal's disk is full: writing {what} to {journal} failed ({cause.GetBaseException().Message}); {free}, and every " +
               "retry would fail the same write again. The journal needs room to grow (a few MB beyond its current size); free space, " +
               "then continue with --resume";
    }
}
