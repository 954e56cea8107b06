namespace Gipo.Core.Algorithm.Admission;

/// <summary>
/// The primary staleness bound (docs/algorithm.md §A.8, AReaL <c>staleness_manager.get_capacity</c>), counted in groups: a sampler
/// may start a group only if N_accepted + N_running &lt; (η + v + 1)·B and N_running &lt; max_concurrent. Each learner
/// step consumes B accepted groups, so whatever is consumed has Δ ≤ η by construction. A rejected group only
/// decrements N_running.
/// </summary>
public static class AdmissionControl
{
    /// <summary>
    /// How many groups may start now: max(0, min(max_concurrent − N_running, (η + v + 1)·B − N_accepted − N_running)).
    /// AReaL returns the raw (possibly negative) minimum; a count of slots cannot be negative.
    /// </summary>
    /// <param name="accepted">N_accepted.</param>
    /// <param name="running">N_running.</param>
    /// <param name="policyVersion">v, the learner's current policy version.</param>
    /// <param name="maxStaleness">η ≥ 0 (0 is synchronous on-policy training).</param>
    /// <param name="groupsPerStep">B ≥ 1.</param>
    /// <param name="maxConcurrent">The most groups generating at once, ≥ 1.</param>
    public static long Capacity(long accepted, long running, long policyVersion, int maxStaleness, int groupsPerStep, int maxConcurrent)
    {
        if (accepted < 0) throw new ArgumentOutOfRangeException(nameof(accepted), accepted, "N_accepted must be >= 0");
        if (running < 0) throw new ArgumentOutOfRangeException(nameof(running), running, "N_running must be >= 0");
        if (policyVersion < 0) throw new ArgumentOutOfRangeException(nameof(policyVersion), policyVersion, "versions start at 0");
        if (maxStaleness < 0) throw new ArgumentOutOfRangeException(nameof(maxStaleness), maxStaleness, "η must be >= 0");
        if (groupsPerStep < 1) throw new ArgumentOutOfRangeException(nameof(groupsPerStep), groupsPerStep, "B must be >= 1");
        if (maxConcurrent < 1) throw new ArgumentOutOfRangeException(nameof(maxConcurrent), maxConcurrent, "max_concurrent must be >= 1");

        var stalenessRoom = (maxStaleness + policyVersion + 1) * groupsPerStep - (accepted + running);
        var concurrencyRoom = maxConcurrent - running;
        return Math.Max(0, Math.Min(stalenessRoom, concurrencyRoom));
    }

    /// <summary>Whether one more group may start now (<see cref="Capacity"/> &gt; 0).</summary>
    public static bool CanStart(long accepted, long running, long policyVersion, int maxStaleness, int groupsPerStep, int maxConcurrent) =>
        Capacity(accepted, running, policyVersion, maxStaleness, groupsPerStep, maxConcurrent) > 0;

    /// <summary>
    /// Counters after a restart at policy version v: N_accepted = v·B (the groups the v completed steps consumed) and
    /// N_running = 0 (in-flight generations died with the process). Groups accepted but not yet consumed were not
    /// persisted; they are regenerated, which the capacity formula allows.
    /// </summary>
    public static AdmissionCounters ResumeCounters(long policyVersion, int groupsPerStep)
    {
        if (policyVersion < 0) throw new ArgumentOutOfRangeException(nameof(policyVersion), policyVersion, "versions start at 0");
        if (groupsPerStep < 1) throw new ArgumentOutOfRangeException(nameof(groupsPerStep), groupsPerStep, "B must be >= 1");
        return new AdmissionCounters(policyVersion * groupsPerStep, 0);
    }
}
