namespace Gipo.Bench.Processes;

/// <summary>
/// Waiting on what the harness can only observe from outside the nodes (their logs, the journal database): it polls.
/// </summary>
internal static class Polling
{
    /// <summary>
    /// Checks <paramref name="done"/> every <paramref name="every"/> until it holds (true) or <paramref name="timeout"/>
    /// has passed (false).
    /// </summary>
    public static bool Until(Func<bool> done, TimeSpan timeout, TimeSpan every)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(every);
        }
        return true;
    }
}
