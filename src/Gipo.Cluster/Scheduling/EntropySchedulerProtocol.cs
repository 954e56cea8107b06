using Gipo.Cluster.Serialization;
using Gipo.Core.Algorithm.Entropy;

namespace Gipo.Cluster.Scheduling;

// The messages, event and snapshot of EntropySchedulerActor. All are immutable and travel through GipoSerializer
// (manifests in SchedulingCodecs).

/// <summary>
/// The learner's statistics of one learner step (§B.8). Answered by <see cref="EntropyCoefficientsReply"/> once the
/// update is journaled, or by <see cref="EntropyUpdateRejected"/>.
/// </summary>
public sealed record UpdateEntropy(EntropyStats Stats) : IGipoMessage;

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
