using System.Globalization;
using Gipo.Cluster.Configuration;

namespace Gipo.Cluster.Coordination;

/// <summary>The fixed parameters of one run's ledger.</summary>
/// <param name="GroupsPerStep">B: groups per learner step (§A.8 counts admission in groups).</param>
/// <param name="GroupSize">G: completions per prompt. A result with another count is rejected: the group baseline needs all G.</param>
/// <param name="MaxStaleness">η ≥ 0; 0 is synchronous on-policy training.</param>
/// <param name="MaxConcurrent">The most groups generating at once (§A.8 <c>max_concurrent</c>).</param>
/// <param name="PromptCount">Prompts in the data set; the prompt order is a seeded permutation of them per epoch.</param>
/// <param name="RunSeed">Seeds the prompt order and every group's sampling seed.</param>
/// <param name="LeaseDuration">How long a holder may keep a group before it is issued again.</param>
/// <param name="DynamicSampling">Drop non-informative groups (DAPO, §A.7).</param>
/// <param name="TargetSteps">Learner steps of the run; 0 = unbounded. No work is leased beyond what they need.</param>
/// <param name="MaxGenRounds">Under dynamic sampling, a step whose batch is still short after MaxGenRounds·B groups
/// were examined for it trains on the accepted ones (§A.7 cap); 0 = no cap (always wait for B).</param>
/// <param name="MaxEmptyRounds">Under dynamic sampling, after this many rounds of B groups filtered for a step with none
/// kept, the batch decision says the run cannot go on (<see cref="BatchDecision.Exhausted"/>); 0 = never.</param>
public sealed record LedgerSettings(
    int GroupsPerStep, int GroupSize, int MaxStaleness, int MaxConcurrent, long PromptCount, ulong RunSeed,
    TimeSpan LeaseDuration, bool DynamicSampling = false, long TargetSteps = 0, int MaxGenRounds = 0, int MaxEmptyRounds = 0)
{
    /// <summary>Throws naming the first bad value.</summary>
    public LedgerSettings Validate()
    {
        if (GroupsPerStep < 1) throw new ArgumentOutOfRangeException(nameof(GroupsPerStep), GroupsPerStep, "B must be >= 1");
        if (GroupSize < 2) throw new ArgumentOutOfRangeException(nameof(GroupSize), GroupSize, "G must be >= 2 (a group baseline needs two samples)");
        if (MaxStaleness < 0) throw new ArgumentOutOfRangeException(nameof(MaxStaleness), MaxStaleness, "η must be >= 0");
        if (MaxConcurrent < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrent), MaxConcurrent, "max_concurrent must be >= 1");
        if (PromptCount < 1) throw new ArgumentOutOfRangeException(nameof(PromptCount), PromptCount, "the data set needs at least one prompt");
        if (LeaseDuration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(LeaseDuration), LeaseDuration, "a lease must last > 0");
        if (TargetSteps < 0) throw new ArgumentOutOfRangeException(nameof(TargetSteps), TargetSteps, "target steps must be >= 0 (0 = unbounded)");
        if (MaxGenRounds < 0) throw new ArgumentOutOfRangeException(nameof(MaxGenRounds), MaxGenRounds, "max-gen-rounds must be >= 0 (0 = no cap)");
        if (MaxEmptyRounds < 0) throw new ArgumentOutOfRangeException(nameof(MaxEmptyRounds), MaxEmptyRounds,
                                                                      "max-empty-rounds must be >= 0 (0 = never)");
        return this;
    }

    /// <summary>
    /// These settings with the ledger's live keys (η, B, target steps) of every change in <paramref name="changes"/>
    /// that is in force at learner step <paramref name="step"/> (effective at or before it), in journal order. Pure:
    /// the ledger, its audit and any reader of the journal get the same answer.
    /// </summary>
    /// <exception cref="InvalidOperationException">A journaled value is not a valid number (a corrupt journal).</exception>
    public LedgerSettings InForceAt(IEnumerable<SettingsChanged> changes, long step)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var s = this;
        foreach (var change in changes.Where(c => c.EffectiveStep <= step))
        {
            foreach (var c in change.Changes)
            {
                s = c.Key switch
                {
                    LiveSettings.MaxStaleness => s with { MaxStaleness = Int(c) },
                    LiveSettings.GroupsPerStep => s with { GroupsPerStep = Int(c) },
                    LiveSettings.Steps => s with { TargetSteps = Int(c) },
                    _ => s,
                };
            }
        }
        return s;

        static int Int(SettingChange c) =>
            int.TryParse(c.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new InvalidOperationException($"journaled change of '{c.Key}' has the value '{c.Value}', not an integer");
    }
}
