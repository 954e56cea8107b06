using Gipo.Cluster.Runtime;

namespace Gipo.Cluster.Configuration;

/// <summary>
/// The one place that answers "which settings were in force at learner step S" for tools that rebuild a step
/// (<c>gipo replay</c>). Today every step of a run runs with the run's own resolved settings, <c>run.conf</c>; a change
/// of settings during a run must be applied here, in the order the run applied it, so replays keep matching.
/// </summary>
public static class SettingsInForce
{
    /// <summary>The settings the learner ran step <paramref name="step"/> of the run in <paramref name="folder"/> with.</summary>
    /// <exception cref="FileNotFoundException">The folder has no run.conf.</exception>
    public static GipoSettings At(RunFolder folder, long step)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        return folder.ReadConfig();
    }
}
