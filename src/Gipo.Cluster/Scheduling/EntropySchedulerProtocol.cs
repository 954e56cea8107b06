using Gipo.Cluster.Serialization;
using Gipo.Core.Algorithm.Entropy;

namespace Gipo.Cluster.Scheduling;

// The messages, event and snapshot of EntropySchedulerActor. All are immutable and travel through GipoSerializer
// (manifests in SchedulingCodecs).

/// <summary>
/// The learner's statistics of one learner step (§B.8). Answered by <see cref="EntropyCoefficientsReply"/> once the
/// update is journaled, or by <see cref="EntropyUpdateRejected"/>.
/// </summary>
/// <param name="Config">The scheduler config in force at the step (a live change, <c>gipo set</c>); null: keep the
/// current one. A config that differs from the scheduler's is journaled (<see cref="EntropySchedulerReconfigured"/>)
/// and applied before the update.</param>
public sealed record UpdateEntropy(EntropyStats Stats, EntropySchedulerConfig? Config = null) : IGipoMessage;

/// <summary>The coefficients of <c>Coefficients.LearnerStep</c>, as journaled.</summary>
/// <param name="Retry">The step was already the last journaled one: these are its stored coefficients, nothing changed.</param>
public sealed record EntropyCoefficientsReply(EntropyCoefficients Coefficients, bool Retry) : IGipoMessage;

/// <summary>An update that does not fit (an older step, wrong bucket count, non-finite statistics); nothing changed.</summary>
public sealed record EntropyUpdateRejected(long LearnerStep, string Reason) : IGipoMessage;

/// <summary>Asks for <see cref="EntropySchedulerStatus"/>.</summary>
public sealed record GetSchedulerState : IGipoMessage
{
    /// <summary>The only instance needed.</summary>
    public static GetSchedulerState Instance { get; } = new();
}

/// <summary>The scheduler's full state and the hash of its config.</summary>
public sealed record EntropySchedulerStatus(string RunId, EntropySchedulerState State, string ConfigHash) : IGipoMessage;

/// <summary>Journal event: one applied learner step, its statistics and the coefficients they produced (§B.8).</summary>
public sealed record EntropyUpdated(EntropyStats Stats, EntropyCoefficients Coefficients) : IGipoMessage;

/// <summary>Snapshot: the state as <see cref="EntropySchedulerJson"/>, its config hash, and the last applied update
/// (so an idempotent retry of that step is still answered after recovery).</summary>
public sealed record EntropySchedulerSnapshot(string StateJson, string ConfigHash, EntropyUpdated? Last) : IGipoMessage;

/// <summary>
/// Resume: replace the scheduler's state by <paramref name="StateJson"/> (<see cref="EntropySchedulerJson"/> of the
/// scheduler right after learner step <paramref name="LearnerStep"/>, taken from the learner's checkpoint of that step).
/// The journal may already hold later steps; after the restore, step <paramref name="LearnerStep"/> + 1 is applied as
/// new. Answered by <see cref="EntropySchedulerStatus"/> once <see cref="EntropySchedulerRestored"/> is journaled, or by
/// <see cref="SchedulerRestoreRejected"/>.
/// </summary>
/// <param name="LearnerStep">The checkpoint's learner step; 0 with a fresh state (learner step −1) means "before any step".</param>
public sealed record RestoreScheduler(long LearnerStep, string StateJson) : IGipoMessage;

/// <summary>A restore that does not fit this scheduler (another config hash or K_B, malformed or inconsistent state); nothing changed.</summary>
public sealed record SchedulerRestoreRejected(long LearnerStep, string Reason) : IGipoMessage;

/// <summary>
/// Journal event: the state was replaced by <paramref name="StateJson"/>, the state after learner step
/// <paramref name="LearnerStep"/> under config hash <paramref name="ConfigHash"/>. Recovery applies it as is (it is not
/// recomputed) and forgets the last applied update, so the next step is accepted as new.
/// </summary>
public sealed record EntropySchedulerRestored(long LearnerStep, string StateJson, string ConfigHash) : IGipoMessage;

/// <summary>
/// Journal event: from learner step <paramref name="LearnerStep"/> on the scheduler uses the config
/// <paramref name="ConfigJson"/> (<see cref="EntropySchedulerJson.SerializeConfig"/>), a live change of its targets,
/// u, η_λ or λ_max; journaled just before that step's <see cref="EntropyUpdated"/>. Recovery applies it as journaled.
/// </summary>
public sealed record EntropySchedulerReconfigured(long LearnerStep, string ConfigJson) : IGipoMessage;
