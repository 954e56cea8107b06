using Gipo.Core.Algorithm.Entropy;

namespace Gipo.Cluster.Scheduling;

/// <summary>
/// Retired journal event (manifest <c>eeu1</c>) of the former entropy-scheduler actor: one applied learner step, its
/// statistics and the coefficients they produced (§B.8). Nothing writes it any more (the scheduler's state lives in the
/// learner's checkpoint); old journals still hold it, so it is still decoded (<see cref="Serialization.SchedulingCodecs"/>).
/// </summary>
public sealed record EntropyUpdated(EntropyStats Stats, EntropyCoefficients Coefficients);
