namespace Gipo.Bench.Processes;

/// <summary>The result of a chaos run.</summary>
internal sealed record ChaosReport(
    string Scenario, string RunId, IReadOnlyList<KillRecord> Kills, AuditSummary Final, IReadOnlyDictionary<string, int?> ExitCodes,
    double Seconds, IReadOnlyDictionary<string, long> GroupsIssuedByNode)
{
    /// <summary>Scenario-specific measurements (e.g. seconds from a kill to the re-issue of its leases).</summary>
    public Dictionary<string, double> Measures { get; init; } = [];

    /// <summary>
    /// Every kill's audit and the final one are clean, the run ended at its target step, and where the scenario
    /// measured them, the coordinator lease's epochs only rose and a restarted first seed refused to start.
    /// </summary>
    public bool Passed(int steps) => Kills.All(k => k.Audit.Clean) && Final.Clean && Final.Finished && Final.Step == steps
        && Measures.GetValueOrDefault("epochs_increasing", 1) == 1 && Measures.GetValueOrDefault("restarted_refused", 1) == 1;
}
