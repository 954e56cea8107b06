namespace Gipo.Cluster.Scheduling;

/// <summary>
/// Retired journal event (manifest <c>erc1</c>) of the former entropy-scheduler actor: from learner step
/// <paramref name="LearnerStep"/> on the scheduler used the config <paramref name="ConfigJson"/> (a live change). Nothing
/// writes it any more; old journals still hold it, so it is still decoded (<see cref="Serialization.SchedulingCodecs"/>).
/// </summary>
public sealed record EntropySchedulerReconfigured(long LearnerStep, string ConfigJson);
