using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Configuration;

/// <summary>
/// The settings a running run may change (<c>gipo set</c>, journaled as <see cref="SettingsChanged"/>), who applies
/// each at the step boundary, and the validation of a change: the same typed reads as a start-up setting
/// (<see cref="RunSettings.Read"/>, <see cref="AlgorithmSettingsReader.Read"/>) on the settings in force with the
/// change on top. Every other key shapes state that exists already (the model, the probe, the prompt order, the
/// scheduler's buckets) and is refused by name.
/// </summary>
public static class LiveSettings
{
    /// <summary>η, the staleness bound (the ledger: leases, admission control, the consumption guard, the audit).</summary>
    public const string MaxStaleness = "gipo.algorithm.off-policy.max-staleness";

    /// <summary>B, groups per learner step (the ledger's batches and admission control).</summary>
    public const string GroupsPerStep = "gipo.algorithm.batch.groups-per-step";

    /// <summary>The run's target steps (the ledger ends the run, the learner checkpoints and evaluates at the last).</summary>
    public const string Steps = "gipo.run.steps";

    /// <summary>The AdamW learning rate (the learner).</summary>
    public const string LearningRate = "gipo.algorithm.optim.lr";

    /// <summary>Held-out evaluation cadence (the learner).</summary>
    public const string EvalEvery = "gipo.run.eval-every";

    /// <summary>Every live key and what applies it.</summary>
    public static IReadOnlyDictionary<string, string> Keys { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        [MaxStaleness] = "ledger",
        [GroupsPerStep] = "ledger",
        [Steps] = "ledger and learner",
        [LearningRate] = "learner",
        [EvalEvery] = "learner",
        ["gipo.algorithm.gsec.kappa0"] = "entropy scheduler",
        ["gipo.algorithm.gsec.kappa1"] = "entropy scheduler",
        ["gipo.algorithm.gsec.anneal-steps"] = "entropy scheduler",
        ["gipo.algorithm.gsec.d-min"] = "entropy scheduler",
        ["gipo.algorithm.gsec.h-floor"] = "entropy scheduler",
        ["gipo.algorithm.gsec.upper-mult"] = "entropy scheduler",
        ["gipo.algorithm.gsec.eta-lambda"] = "entropy scheduler",
        ["gipo.algorithm.gsec.lambda-max"] = "entropy scheduler",
        ["gipo.algorithm.ib.auc-low"] = "learner (IB trust gate)",
        ["gipo.algorithm.ib.auc-high"] = "learner (IB trust gate)",
    };

    /// <summary>
    /// Parses <c>key=value</c> arguments (keys relative to <c>gipo.</c> or absolute). An unknown key is refused as in a
    /// config file (with a suggestion), a known key that cannot change live is refused by name, and so is a key given twice.
    /// </summary>
    public static IReadOnlyList<SettingChange> Parse(IEnumerable<string> assignments)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        var changes = new List<SettingChange>();
        foreach (var a in assignments)
        {
            GipoSettings.Load(null, [a]); // unknown keys and unreadable values, with the messages of --set
            var eq = a.IndexOf('=');
            changes.Add(new SettingChange(GipoSettings.FullKey(a[..eq]), a[(eq + 1)..].Trim()));
        }
        return Checked(changes);
    }

    /// <summary>
    /// Validates <paramref name="changes"/> as the change that takes effect at <paramref name="effectiveStep"/> of a run
    /// started with <paramref name="baseSettings"/> (its <c>run.conf</c>) and already changed by
    /// <paramref name="journaled"/>, and returns the settings in force once it applies.
    /// </summary>
    /// <exception cref="ArgumentException">The reason, naming the key: not live, given twice, or a value a start-up setting could not
    /// have.</exception>
    public static GipoSettings Validate(GipoSettings baseSettings, IReadOnlyList<SettingsChanged> journaled, IReadOnlyList<SettingChange> changes,
                                        long effectiveStep)
    {
        ArgumentNullException.ThrowIfNull(baseSettings);
        ArgumentNullException.ThrowIfNull(journaled);
        Checked(changes);
        // Journaled changes take effect in journal order and never before an earlier one, so "all of them" is what is
        // in force at effectiveStep, which is no earlier than the last journaled effective step.
        var settings = SettingsInForce.At(baseSettings, journaled, long.MaxValue).With(changes.Select(c => c.Override), "gipo set");
        var run = RunSettings.Read(settings);
        AlgorithmSettingsReader.Read(settings);
        if (run.Steps < effectiveStep)
            throw new ArgumentException($"gipo set: '{Steps}' = {run.Steps} would end the run before step {effectiveStep}, " +
                                        $"where the change takes effect (steps before it have started already)");
        return settings;
    }

    private static IReadOnlyList<SettingChange> Checked(IReadOnlyList<SettingChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0) throw new ArgumentException("gipo set: no change given (key=value …)");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in changes)
        {
            if (!Keys.ContainsKey(c.Key))
                throw new ArgumentException($"gipo set: '{c.Key}' cannot change while a run is going (it shapes state the run has built); " +
                                            $"the settings that can: {string.Join(", ", Keys.Keys)}");
            if (!seen.Add(c.Key)) throw new ArgumentException($"gipo set: '{c.Key}' is given twice");
        }
        return changes;
    }
}
