using Gipo.Cluster.Configuration;
using Gipo.Cluster.Rollouts;
using Gipo.Core.Algorithm;
using Gipo.Core.Tasks;
using Gipo.Model.Checkpoints;
using Gipo.Model.Evaluation;

namespace Gipo.Cluster.Learning;

/// <summary>What the learner needs to (re)build its state: the run's settings and where things live.</summary>
/// <param name="BaseCheckpoint">The HF checkpoint the run starts from (version 0).</param>
/// <param name="CheckpointRoot">Folder of the run's checkpoints (<c>step-000010/</c>, …).</param>
/// <param name="EvalProblems">The held-out prompts of every evaluation (fixed for the run).</param>
public sealed record LearnerSetup(
    string RunId, AlgorithmSettings Algorithm, int TargetSteps, int Seed, int CheckpointEvery, int EvalEvery, int EvalSamples,
    string Device, string BaseCheckpoint, string CheckpointRoot, IReasoningTask Task, IReadOnlyList<Problem> EvalProblems, TimeSpan Poll)
{
    /// <summary>
    /// The fencing check run before every checkpoint commit (<see cref="Gipo.Cluster.Fencing.JournalLease.Fence"/>):
    /// null when this learner still holds its lease epoch, else why not. Null: no fencing (a single process).
    /// </summary>
    public Func<string?>? Fence { get; init; }

    /// <summary>Seed of the held-out evaluations' sampling (<see cref="Gipo.Cluster.Configuration.RunSettings.EvalSamplingSeed"/>); null =
    /// <see cref="Seed"/>.</summary>
    public int? EvalSamplingSeed { get; init; }

    /// <summary>Checkpoint folders kept after each commit (<see cref="CheckpointRetention"/>); 0 = all.</summary>
    public int KeepCheckpoints { get; init; }

    /// <summary>Where each evaluation's sample generations go (<see cref="EvalSampleLog"/>); null = nowhere.</summary>
    public string? SamplesDirectory { get; init; }

    /// <summary>Generations per evaluation written to <see cref="SamplesDirectory"/>.</summary>
    public int EvalLogSamples { get; init; }

    /// <summary>The process's cluster-health instruments, fed after each step; null = not measured.</summary>
    public Gipo.Cluster.Telemetry.ClusterHealthMetrics? Health { get; init; }

    /// <summary>
    /// The run's rollout log: each step's groups (trained and dropped) are appended before the step is reported, and
    /// the log is cut back with the metrics log on every rollback. Null: no rollout log (tests of other parts).
    /// </summary>
    public RolloutStore? RolloutLog { get; init; }

    /// <summary>
    /// The run's start-up settings (<c>run.conf</c>): with the live changes a batch carries they give the settings in
    /// force at its step (<see cref="SettingsInForce"/>). Null only where no live change can arrive (tests).
    /// </summary>
    public GipoSettings? Settings { get; init; }

    /// <summary>The checkpoint the operator asked the resume to start from (<c>--from-checkpoint</c>); null: the newest valid one.</summary>
    public CheckpointChoice? FromCheckpoint { get; init; }

    /// <summary>
    /// How long the learner waits for a peer's reply (the coordinator's status and acknowledgements, the metrics log's
    /// rewind and flush) before the start, step or hand-over it belongs to fails. Generous, since a coordinator that moved
    /// to this node replays its journal first; tests shorten it.
    /// </summary>
    public TimeSpan ExchangeTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
