namespace Gipo.Cluster.Scheduling;

/// <summary>
/// Retired snapshot (manifest <c>ses1</c>) of the former entropy-scheduler actor: its state as JSON, its config hash and
/// the last applied update. Nothing writes it any more; old snapshot stores still hold it, so it is still decoded
/// (<see cref="Serialization.SchedulingCodecs"/>).
/// </summary>
public sealed record EntropySchedulerSnapshot(string StateJson, string ConfigHash, EntropyUpdated? Last);
