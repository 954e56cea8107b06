namespace Gipo.Cluster.Scheduling;

/// <summary>
/// Retired journal event (manifest <c>esr1</c>) of the former entropy-scheduler actor: its state was replaced by
/// <paramref name="StateJson"/>, the state after learner step <paramref name="LearnerStep"/> under config hash
/// <paramref name="ConfigHash"/>, on a resume. Nothing writes it any more; old journals still hold it, so it is still
/// decoded (<see cref="Serialization.SchedulingCodecs"/>).
/// </summary>
public sealed record EntropySchedulerRestored(long LearnerStep, string StateJson, string ConfigHash);
