using Akka.Actor;

namespace Gipo.Cluster.Learning;

/// <summary>
/// Decides whether a failed learner step ends the run. A restarted learner repeats the step from the last checkpoint
/// with the same settings and code, so some failures would come back on every retry and keep the run in a restart loop
/// for ever. Those end the run with their reason instead:
/// <list type="bullet">
/// <item>a failure of a deterministic kind: an <see cref="ArgumentException"/> (a setting, shape or count the learner
/// cannot use; validation errors all throw it);</item>
/// <item>the same failure (type and message) at the same learner step a second time;</item>
/// <item>a full disk (<see cref="DiskSpace.IsFull"/>): it does not free itself, and the retry fails the same write.</item>
/// </list>
/// Anything else is retried by the learner's back-off supervisor: a peer that was away, a timeout. Timeouts never count as a repeat, since a slow
/// fail-over can time out twice in a row.
/// <para>One instance serves every incarnation of a node's learner (the supervisor re-creates the actor), so it
/// remembers failures across restarts. Thread-safe.</para>
/// </summary>
public sealed class LearnerFailures
{
    private readonly Lock gate = new();
    private readonly HashSet<(long Step, string Failure)> seen = [];

    /// <summary>
    /// Records that learner step <paramref name="step"/> failed with <paramref name="error"/>; returns the reason to end
    /// the run with, or null when a retry may succeed.
    /// </summary>
    public string? Record(long step, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        // Staging names carry a fresh GUID on every try: without them the same failure reads the same.
        var what = DiskSpace.WithoutStagingNames($"{error.GetType().Name}: {error.Message}");
        if (DiskSpace.IsFull(error))
            return $"learner step {step} failed: the disk is full ({(error is DiskFullException ? error.Message : what)}); " +
                   "retrying would only retrain the step and fail again. Free space, then continue with --resume";
        if (error is ArgumentException)
            return $"learner step {step} failed with an error that repeats on every retry: {what}";
        if (error is TimeoutException or AskTimeoutException) return null;
        lock (gate)
        {
            return seen.Add((step, what)) ? null : $"learner step {step} failed twice with the same error: {what}";
        }
    }
}
