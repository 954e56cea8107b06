namespace Gipo.Core.Algorithm.Admission;

/// <summary>The admission-control counters, in groups.</summary>
/// <param name="Accepted">N_accepted: groups that passed the dynamic-sampling filter since the run began.</param>
/// <param name="Running">N_running: groups started and not yet completed.</param>
public readonly record struct AdmissionCounters(long Accepted, long Running);
