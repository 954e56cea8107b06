using Gipo.Cluster.Coordination;
using Gipo.Core.Algorithm;
using Gipo.Core.Datasets;
using Gipo.Core.Tasks;

namespace Gipo.Cluster.Configuration;

/// <summary>The <c>gipo.run</c> section: what a training run does besides the algorithm (see <c>hocon/gipo.conf</c>).</summary>
public sealed record RunSettings
{
    /// <summary>A built-in task's name, or <see cref="DatasetTask.TaskName"/> for <see cref="Dataset"/>.</summary>
    public required string Task { get; init; }
    /// <summary>The <c>gipo.dataset</c> settings and checked rows when <see cref="Task"/> is <c>dataset</c>, otherwise null.</summary>
    public (DatasetOptions Options, DatasetSplit Split)? Dataset { get; init; }
    public required Split TrainSplit { get; init; }
    public required Split EvalSplit { get; init; }
    /// <summary>The HF checkpoint to start from; empty = SFT warm start first (<see cref="SftSettings"/>).</summary>
    public required string BaseCheckpoint { get; init; }
    public required int Steps { get; init; }
    public required int PromptCount { get; init; }
    public required int Seed { get; init; }
    /// <summary>
    /// The seed of the held-out evaluations (their prompts and their sampling), shared by the runs of an experiment so
    /// that they are scored on the same prompts with the same draws; -1 derives both from <see cref="Seed"/>.
    /// </summary>
    public required int EvalSeed { get; init; }
    public required int Samplers { get; init; }
    public required int GroupsPerLease { get; init; }
    public required int MaxConcurrent { get; init; }
    public required TimeSpan Lease { get; init; }
    public required TimeSpan ScorerTimeout { get; init; }
    public required int CheckpointEvery { get; init; }
    /// <summary>Checkpoint folders kept after each commit, newest first (0 = all); the current one is always kept.</summary>
    public required int KeepCheckpoints { get; init; }
    public required int EvalEvery { get; init; }
    public required int EvalPrompts { get; init; }
    public required int EvalSamples { get; init; }
    /// <summary>Generations of each evaluation written to <c>samples/step-NNNNNN.jsonl</c> (0 = none).</summary>
    public required int EvalLogSamples { get; init; }
    /// <summary>Whether the metrics sink also writes TensorBoard event files into <c>tb/</c>.</summary>
    public required bool TensorBoard { get; init; }
    public required int TorchThreads { get; init; }
    /// <summary>Size cap of the rollout log in bytes (<c>rollout-log-max-mb</c>); 0 keeps everything.</summary>
    public required long RolloutLogMaxBytes { get; init; }
    public required string Device { get; init; }
    public required int SnapshotEvery { get; init; }
    public required TimeSpan Poll { get; init; }
    /// <summary>
    /// Where the run's journal is: <c>sqlite</c> (the run folder's journal.db) or <c>postgres</c> (a cluster run's
    /// database, whose connection string is never stored), so that <c>gipo status</c> can tell that it cannot see it.
    /// </summary>
    public required string Journal { get; init; }

    /// <summary>
    /// Reads and validates <c>gipo.run</c>, and for a dataset run <c>gipo.dataset</c> and every row of its files;
    /// errors name the key, or the file and line.
    /// </summary>
    public static RunSettings Read(GipoSettings settings)
    {
        var s = settings.Section("run");
        var task = s.String("task");
        (DatasetOptions, DatasetSplit)? dataset = null;
        if (task == DatasetTask.TaskName)
        {
            var options = DatasetSettings.Read(settings);
            dataset = (options, DatasetSplit.Load(options));
        }
        else
        {
            try
            {
                ReasoningTasks.Get(task);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"'gipo.run.task' = '{task}': {e.Message} or {DatasetTask.TaskName} (the files of gipo.dataset)", e);
            }
        }
        var promptCount = s.Int("prompt-count", 1);
        var run = new RunSettings
        {
            Task = task,
            Dataset = dataset,
            TrainSplit = s.Choice("train-split", SplitExtensions.Names.Where(kv => !kv.Value.IsHeldOut() && kv.Value != Split.Ood).ToDictionary()),
            EvalSplit = s.Choice("eval-split", SplitExtensions.Names.Where(kv => kv.Value.IsHeldOut() || kv.Value == Split.Ood).ToDictionary()),
            BaseCheckpoint = s.String("base-checkpoint"),
            Steps = s.Int("steps", 1),
            // A dataset has as many prompts as training rows: prompt-count only caps them.
            PromptCount = dataset is { } d ? Math.Min(promptCount, d.Item2.Train.Count) : promptCount,
            Seed = s.Int("seed", 0),
            EvalSeed = s.Int("eval-seed", -1),
            Samplers = s.Int("samplers", 0, 64),
            GroupsPerLease = s.Int("groups-per-lease", 1, 1024),
            MaxConcurrent = s.Int("max-concurrent", 1),
            Lease = TimeSpan.FromSeconds(s.Double("lease-seconds", 1)),
            ScorerTimeout = TimeSpan.FromSeconds(s.Double("scorer-timeout-seconds", 0.1)),
            CheckpointEvery = s.Int("checkpoint-every", 1),
            KeepCheckpoints = s.Int("keep-checkpoints", 0),
            EvalEvery = s.Int("eval-every", 0),
            EvalPrompts = s.Int("eval-prompts", 1),
            EvalSamples = s.Int("eval-samples", 1),
            EvalLogSamples = s.Int("eval-log-samples", 0),
            TensorBoard = s.Bool("tensorboard"),
            TorchThreads = s.Int("torch-threads", 0, 1024),
            RolloutLogMaxBytes = (long)Math.Round(s.Double("rollout-log-max-mb", 0) * 1024 * 1024),
            Device = s.Choice("device", new Dictionary<string, string> { ["auto"] = "auto", ["cpu"] = "cpu", ["cuda"] = "cuda" }),
            SnapshotEvery = s.Int("snapshot-every", 1),
            Poll = TimeSpan.FromMilliseconds(s.Int("poll-ms", 1, 60_000)),
            Journal = s.Choice("journal", new Dictionary<string, string> { ["sqlite"] = "sqlite", ["postgres"] = "postgres" }),
        };
        return run;
    }

    /// <summary>
    /// The run's task: the built-in one named <see cref="Task"/>, or the dataset rendered in its chat format —
    /// <c>auto</c> is read from <paramref name="baseCheckpoint"/>'s <c>tokenizer_config.json</c> (none when there is no
    /// checkpoint yet: the SFT warm start's char-level policy has no chat template).
    /// </summary>
    /// <exception cref="ArgumentException">The checkpoint's chat template is of an unknown family, or a chat row cannot be rendered.</exception>
    public IReasoningTask CreateTask(string? baseCheckpoint)
    {
        if (Dataset is not { } dataset) return ReasoningTasks.Get(Task);
        var format = dataset.Options.ChatFormat;
        if (format == ChatFormat.Auto)
        {
            try
            {
                format = string.IsNullOrEmpty(baseCheckpoint) ? ChatFormat.None : ChatTemplateFamily.FromCheckpoint(baseCheckpoint);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"'gipo.dataset.chat-format' = auto: {e.Message}", e);
            }
        }
        return new DatasetTask(dataset.Split, dataset.Options, format);
    }

    /// <summary>Seed of the held-out prompt sample: <see cref="EvalSeed"/>, or <c>seed + 7919</c> when it is -1 (the seeds before eval-seed
    /// existed).</summary>
    public int EvalPromptSeed => EvalSeed >= 0 ? EvalSeed : Seed + 7919;

    /// <summary>Seed of the held-out evaluations' sampling: <see cref="EvalSeed"/>, or <see cref="Seed"/> when it is -1.</summary>
    public int EvalSamplingSeed => EvalSeed >= 0 ? EvalSeed : Seed;

    /// <summary>The ledger parameters of a run with <paramref name="algorithm"/>.</summary>
    public LedgerSettings Ledger(AlgorithmSettings algorithm) => new LedgerSettings(
        algorithm.GroupsPerStep, algorithm.GroupSize, algorithm.MaxStaleness, MaxConcurrent, PromptCount, (ulong)Seed,
        Lease, algorithm.DynamicSampling, Steps, algorithm.MaxGenRounds, algorithm.MaxEmptyRounds).Validate();
}
