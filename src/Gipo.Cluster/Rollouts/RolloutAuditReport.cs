namespace Gipo.Cluster.Rollouts;

/// <summary>The verdict of <see cref="RolloutAudit.Run"/>.</summary>
/// <param name="GroupsChecked">Consumed-group lines of audited steps in the log.</param>
/// <param name="Steps">Audited learner steps (from <paramref name="KeptFromStep"/> to the journal's learner step).</param>
/// <param name="KeptFromStep">The first step the log's size cap kept; older steps are not audited.</param>
/// <param name="Pending">Lines of steps after the journal's learner step: written by a step whose completion was not journaled yet (a resume cuts
/// them).</param>
/// <param name="Dropped">Dropped-group lines of audited steps.</param>
/// <param name="Problems">A group recorded twice, a consumed group missing, a recorded group the journal never consumed at that step.</param>
public sealed record RolloutAuditReport(long GroupsChecked, long Steps, long KeptFromStep, long Pending, long Dropped, IReadOnlyList<string> Problems)
{
    /// <summary>No problem.</summary>
    public bool Clean => Problems.Count == 0;
}
