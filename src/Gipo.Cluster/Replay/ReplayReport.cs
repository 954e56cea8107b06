namespace Gipo.Cluster.Replay;

/// <summary>What <see cref="StepReplay.Run"/> found.</summary>
/// <param name="Step">The learner step replayed and compared.</param>
/// <param name="FromCheckpointStep">The checkpoint the replay started from (0: the base model).</param>
/// <param name="StepsReplayed">Every step run again, from the one after the checkpoint up to <paramref name="Step"/>, each from its batch in the
/// rollout log.</param>
/// <param name="Identical">Every compared metric, bit for bit, and the parameters' SHA-256 after the step match the run.</param>
/// <param name="MaxAbsDiff">The largest |original − replayed| over the compared metrics and, when a checkpoint of the step exists, its parameters; 0
/// when identical.</param>
/// <param name="MetricsCompared">How many metric values (array elements counted one by one) were compared.</param>
/// <param name="TorchThreads">Intra-op threads of the replay: the run's, as the rollout log recorded them.</param>
/// <param name="Differences">What differed, intermediate steps included.</param>
public sealed record ReplayReport(
    long Step, long FromCheckpointStep, IReadOnlyList<long> StepsReplayed, bool Identical, double MaxAbsDiff,
    string ParamsSha256Original, string ParamsSha256Replayed, int MetricsCompared, int TorchThreads, IReadOnlyList<MetricDifference> Differences);
