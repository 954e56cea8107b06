using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Configuration;

/// <summary>
/// The settings a run uses at a learner step: its start-up settings (<c>run.conf</c>) with every journaled
/// <see cref="SettingsChanged"/> whose effective step is at or before that step applied on top, in journal order.
/// The one place that answers "which settings were in force at step S" — for the learner at each step boundary, for
/// replaying a step, and for anyone reading the journal afterwards.
/// </summary>
public static class SettingsInForce
{
    /// <summary>The settings in force at learner step <paramref name="step"/>.</summary>
    public static GipoSettings At(GipoSettings baseSettings, IEnumerable<SettingsChanged> changes, long step)
    {
        ArgumentNullException.ThrowIfNull(baseSettings);
        return baseSettings.With(Overrides(changes, step), $"run.conf with the live changes up to step {step}");
    }

    /// <summary>The <c>key=value</c> overrides in force at <paramref name="step"/>, in journal order (a later change of a key wins).</summary>
    public static IReadOnlyList<string> Overrides(IEnumerable<SettingsChanged> changes, long step)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return [.. changes.Where(c => c.EffectiveStep <= step).SelectMany(c => c.Changes).Select(c => c.Override)];
    }
}
