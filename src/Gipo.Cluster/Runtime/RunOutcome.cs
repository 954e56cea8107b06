namespace Gipo.Cluster.Runtime;

/// <summary>How a training run ended.</summary>
public sealed record RunOutcome(bool Finished, long Step, long PolicyVersion, double? EvalPassAt1, string? Checkpoint, string? Error)
{
    /// <summary>Why it ended; <see cref="RunEnding.Finished"/> whenever <see cref="Finished"/>.</summary>
    public RunEnding Ending { get; init; } = Finished ? RunEnding.Finished : RunEnding.Failed;
}
