using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using System.Text.Json.Nodes;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Rollouts;
using Gipo.Cluster.Scheduling;
using Gipo.Cluster.Weights;
using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Evaluation;
using Gipo.Model.Learning;
using Gipo.Model.Sampling;

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
    /// Fault injection for supervision tests: called with the step about to be trained, after the batch is taken and
    /// before the weights change; an exception it throws fails the step like a learner error would. Null in real runs.
    /// </summary>
    public Action<long>? BeforeStep { get; init; }

    /// <summary>
    /// The fencing check run before every checkpoint commit (<see cref="Gipo.Cluster.Fencing.JournalLease.Fence"/>):
    /// null when this learner still holds its lease epoch, else why not. Null: no fencing (a single process).
    /// </summary>
    public Func<string?>? Fence { get; init; }

    /// <summary>Seed of the held-out evaluations' sampling (<see cref="Gipo.Cluster.Configuration.RunSettings.EvalSamplingSeed"/>); null = <see cref="Seed"/>.</summary>
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
}

/// <summary>
/// The learner (docs/architecture.md, "Actors"): takes each step's batch from the coordinator, runs one GIPO step
/// (<see cref="GipoLearner.Train"/>, with the entropy coefficients of the persistent <see cref="EntropySchedulerActor"/>),
/// reports the step to the ledger, publishes the new policy version, evaluates and checkpoints on schedule.
/// <para>
/// It runs on the pinned torch dispatcher: TorchSharp's dispose scopes and grad mode are thread-local, and its long
/// steps then block only this actor's thread. The few request/reply exchanges inside a step (scheduler coefficients,
/// ledger acknowledgements) are synchronous asks for that reason: the step cannot go on without them, and nothing
/// else runs on this thread.
/// </para>
/// <para>
/// Its durable state is its checkpoints (files written to a staging folder and renamed into place) plus the ledger's
/// <see cref="CheckpointCommitted"/> events, which name them with the manifest hash: the journal is the single record
/// of which checkpoint is current, so there is no second journal to disagree with. On start (first start, restart
/// after a failure, or a resumed process) it loads the last committed checkpoint — or, when that one is missing or fails
/// its hashes, the newest valid one the ledger can still roll back to (<see cref="CheckpointFallback"/>), or the one
/// the operator chose (<see cref="LearnerSetup.FromCheckpoint"/>) — (or the base model), rolls the ledger
/// and the scheduler back to it, cuts the metrics log to it, and publishes that version. A failure inside a step
/// therefore never touches the last checkpoint, and the next incarnation repeats the step from it — unless the failure
/// would only repeat (<see cref="LearnerFailures"/>): then the run ends with <see cref="RunFailed"/> and the reason.
/// </para>
/// </summary>
public sealed class LearnerActor : ReceiveActor, IWithTimers
{
    private const string PollTimer = "poll";
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);

    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly LearnerSetup setup;
    private readonly IActorRef coordinator;
    private readonly IActorRef? scheduler;
    private readonly IActorRef weightStore;
    private readonly IActorRef metrics;
    private readonly IActorRef host;
    private readonly LearnerFailures failures;
    private readonly Stopwatch wall = new();
    private PolicyModel? policy;
    private PolicyModel? reference;
    private GipoLearner? learner;
    private ITextTokenizer? tokenizer;
    private string tokenizerJson = "";
    private double idleSeconds;
    private Stopwatch? waiting;
    private System.Text.Json.Nodes.JsonObject? lastLine;
    private (long Step, double PassAt1)? latestEval;
    // The rollout log's current interval starts at the step after the last checkpoint.
    private long rolloutInterval = 1;
    private AdvantageTrace? lastTrace;

    // The live-changeable settings in force at the step being trained (gipo set): start-up values until a batch carries
    // changes. A new incarnation starts from these and re-derives them from its first batch, which lists every change.
    private int targetSteps;
    private int evalEvery;
    private EntropySchedulerConfig? schedulerConfig;
    private int changesApplied;
    private JsonObject? settingsChangedNow;

    /// <summary>Use <see cref="Props"/>.</summary>
    public LearnerActor(LearnerSetup setup, IActorRef coordinator, IActorRef? scheduler, IActorRef weightStore, IActorRef metrics, IActorRef host,
        LearnerFailures? failures = null)
    {
        this.setup = setup;
        this.coordinator = coordinator;
        this.scheduler = scheduler;
        this.weightStore = weightStore;
        this.metrics = metrics;
        this.host = host;
        this.failures = failures ?? new LearnerFailures();
        targetSteps = setup.TargetSteps;
        evalEvery = setup.EvalEvery;

        Receive<Start>(_ =>
        {
            try
            {
                OnStart();
            }
            catch (Exception e)
            {
                // A start that fails (bad checkpoint, a journal that does not fit the config) fails the same way on every
                // retry: the run ends with the reason, said once on the command's error: line. Stopping (not throwing)
                // keeps the supervisor from logging a stack trace before it; the trace stays at debug level.
                host.Tell(new RunFailed($"the learner could not start: {e.GetBaseException().Message}"));
                log.Debug("the learner could not start: {0}", e);
                Context.Stop(Self);
            }
        });
        Receive<AskForBatch>(_ => coordinator.Tell(new NextBatch(learner!.Step + 1)));
        Receive<TrainBatch>(batch =>
        {
            try
            {
                OnBatch(batch);
            }
            catch (Exception e)
            {
                if (this.failures.Record(batch.LearnerStep, e) is not { } reason) throw; // the supervisor retries after a back-off
                log.Error(e, "{0}", reason);
                host.Tell(new RunFailed(reason));
                Context.Stop(Self);
            }
        });
        Receive<NotEnoughGroups>(_ => Timers.StartSingleTimer(PollTimer, AskForBatch.Instance, setup.Poll));
        Receive<CommandRejected>(r => throw new InvalidOperationException($"the coordinator rejected {r.Command}: {r.Reason}"));
        Receive<HandOverLearner>(m =>
        {
            var reply = HandOver(m.Checkpoint);
            Sender.Tell(reply);
            Become(() => HandedOver(reply));
        });
    }

    /// <summary>
    /// After <see cref="HandOver"/>: the node is leaving and the standby continues from the hand-over's checkpoint, so
    /// this learner trains nothing more. A batch the coordinator handed out meanwhile stays untrained (the standby's
    /// rollback to the checkpoint returns its groups to the pool); a repeated request gets the same answer.
    /// </summary>
    private void HandedOver(LearnerHandedOver reply)
    {
        Receive<HandOverLearner>(_ => Sender.Tell(reply));
        Receive<TrainBatch>(b => log.Info("handed over at step {0}: not training the batch of step {1}", reply.Step, b.LearnerStep));
        ReceiveAny(_ => { }); // polls and replies of the exchange that was going on
    }

    /// <summary>Props on the pinned torch dispatcher.</summary>
    /// <param name="failures">Shared by every incarnation the supervisor creates from these props, so a failure that
    /// repeats at the same step ends the run; null: each incarnation starts a history of its own.</param>
    public static Props Props(LearnerSetup setup, IActorRef coordinator, IActorRef? scheduler, IActorRef weightStore, IActorRef metrics, IActorRef host,
        LearnerFailures? failures = null) =>
        Akka.Actor.Props.Create(() => new LearnerActor(setup, coordinator, scheduler, weightStore, metrics, host, failures)).WithDispatcher(GipoDispatchers.Torch);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart() => Self.Tell(Start.Instance);

    /// <inheritdoc />
    protected override void PostStop()
    {
        learner?.Dispose();
        policy?.Dispose();
        reference?.Dispose();
    }

    // ------------------------------------------------------------------------------------------------ start / resume

    private void OnStart()
    {
        var device = TorchRuntime.ResolveDevice(setup.Device);
        policy = HfCheckpoint.Load(setup.BaseCheckpoint, device);
        reference = setup.Algorithm.Loss.KlBeta > 0 ? HfCheckpoint.Load(setup.BaseCheckpoint, device) : null;
        (tokenizer, tokenizerJson) = CheckpointTokenizer.Load(setup.BaseCheckpoint, policy.Config);
        learner = new GipoLearner(policy, tokenizer, setup.Algorithm, reference, setup.Seed);
        if (scheduler is not null && learner.Scheduler is not null) learner.ExternalScheduler = AskScheduler;
        // The rollout log records the advantages each step trained on (a host copy per step, only when it is on).
        if (setup.RolloutLog is not null) learner.AdvantageObserver = t => lastTrace = t;

        var status = AskLedger(GetStatus.Instance).Ledger;
        var target = RestoreTarget(status, out var why);
        if (status is { Complete: true, LastCheckpoint: { } final } && target == final)
        {
            // Resuming a run that ended: nothing to roll back or train.
            host.Tell(new RunFinished(status.LearnerStep, status.PolicyVersion, null, CheckpointPath.Folder(RunRoot, final.Path)));
            return;
        }
        if (target is { } checkpoint)
        {
            var restored = LearnerCheckpoint.Load(CheckpointPath.Folder(RunRoot, checkpoint.Path), learner, policy, checkpoint.Sha256);
            if (learner.Step != checkpoint.LearnerStep)
                throw new InvalidDataException($"checkpoint {checkpoint.Path} holds learner step {learner.Step}, the ledger committed it as step {checkpoint.LearnerStep}");
            Rewind(checkpoint.LearnerStep, restored.Scheduler, checkpoint.LearnerStep);
            setup.FromCheckpoint?.MarkApplied();
            if (why is not null)
                log.Warning("rolled back to the checkpoint of step {0} ({1}) instead of the last committed one of step {2}: {3}; the steps after {0} are trained again",
                    checkpoint.LearnerStep, CheckpointPath.Folder(RunRoot, checkpoint.Path), status.LastCheckpoint!.LearnerStep, why);
            else log.Info("resumed from checkpoint of step {0} ({1})", checkpoint.LearnerStep, checkpoint.Path);
        }
        else if (status.LearnerStep > 0 || status.TotalIssued > 0)
        {
            // Steps were taken but none was checkpointed: start over from the base model (and its step-0 evaluation).
            Rewind(0, learner.Scheduler?.State, metricsStep: -1);
            log.Info("no checkpoint committed yet: restarting the run from the base model");
        }

        Publish();
        wall.Start();
        if (learner.Step == 0 && status.LastCheckpoint is null)
        {
            // Step 0: the held-out pass@1 the run starts from.
            var eval = Evaluate();
            Log(null, AskLedger(GetStatus.Instance).Ledger, eval, [], 0, 0);
        }
        StartWaiting();
        Self.Tell(AskForBatch.Instance);
    }

    /// <summary>
    /// The committed checkpoint to resume from: the one the operator chose (<see cref="LearnerSetup.FromCheckpoint"/>, once),
    /// else the newest of the journal's checkpoints whose files check out (<see cref="CheckpointFallback"/>), each newer
    /// one passed over with a warning naming it and why. Null when none is committed. <paramref name="why"/> says why it
    /// is not the last committed one (null when it is). Throws when the choice is not a valid checkpoint of this run, or
    /// when no committed checkpoint is valid.
    /// </summary>
    private CheckpointCommitted? RestoreTarget(LedgerStatus status, out string? why)
    {
        why = null;
        if (status.LastCheckpoint is not { } last) return null;
        IReadOnlyList<CheckpointCommitted> candidates = status.Checkpoints.Count > 0 ? status.Checkpoints : [last];
        if (setup.FromCheckpoint is { Applied: false } choice)
        {
            var chosen = CheckpointFallback.Resolve(choice.Value, candidates, RunRoot);
            if (ProblemOf(chosen) is { } problem)
                throw new ArgumentException($"--from-checkpoint {choice.Value}: the checkpoint of step {chosen.LearnerStep} is not valid: {problem}");
            if (chosen != last) why = $"--from-checkpoint {choice.Value}";
            return chosen;
        }
        var (valid, passedOver) = CheckpointFallback.Select(candidates, ProblemOf);
        foreach (var bad in passedOver)
            log.Warning("the checkpoint of step {0} ({1}) is not valid: {2}", bad.Checkpoint.LearnerStep, CheckpointPath.Folder(RunRoot, bad.Checkpoint.Path), bad.Reason);
        if (valid is null)
            throw new InvalidDataException($"no committed checkpoint of the run is valid: {string.Join("; ", passedOver.Select(b => $"step {b.Checkpoint.LearnerStep}: {b.Reason}"))}");
        if (valid != last)
            why = $"the newer checkpoint{(passedOver.Count > 1 ? "s" : "")} of step {string.Join(", ", passedOver.Select(b => b.Checkpoint.LearnerStep))} " +
                  $"{(passedOver.Count > 1 ? "are" : "is")} not valid ({string.Join("; ", passedOver.Select(b => b.Reason))})";
        return valid;
    }

    /// <summary>What is wrong with committed checkpoint <paramref name="c"/> on disk (missing, a hash or size mismatch, another step), or null.</summary>
    private string? ProblemOf(CheckpointCommitted c)
    {
        try
        {
            var manifest = LearnerCheckpoint.Verify(CheckpointPath.Folder(RunRoot, c.Path), c.Sha256);
            return manifest.Step == c.LearnerStep ? null : $"it holds learner step {manifest.Step}, the journal committed it as step {c.LearnerStep}";
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or JsonException)
        {
            return e.Message;
        }
    }

    /// <summary>Rolls the ledger, the scheduler and the metrics log back to learner step <paramref name="step"/>;
    /// the log (and the evaluation samples) keep lines up to <paramref name="metricsStep"/>.</summary>
    private void Rewind(long step, EntropySchedulerState? schedulerState, long metricsStep)
    {
        AskLedger(new RollbackToCheckpoint(step));
        if (scheduler is not null && schedulerState is not null)
        {
            // The scheduler numbers updates by the learner's step count before the update (0-based), so the state after
            // k learner steps is the one after scheduler step k − 1 (a fresh state counts as step 0).
            var schedulerStep = Math.Max(0, step - 1);
            var reply = scheduler.Ask<object>(new RestoreScheduler(schedulerStep, EntropySchedulerJson.Serialize(schedulerState)), AskTimeout).GetAwaiter().GetResult();
            if (reply is not EntropySchedulerStatus)
                throw new InvalidOperationException($"the entropy scheduler refused to restore step {step}: {reply}");
        }
        metrics.Ask<MetricsRewound>(new RewindMetrics(metricsStep), AskTimeout).GetAwaiter().GetResult();
        if (setup.SamplesDirectory is not null) EvalSampleLog.Prune(setup.SamplesDirectory, metricsStep);
        setup.RolloutLog?.Rewind(step);
        rolloutInterval = step + 1;
    }

    // ------------------------------------------------------------------------------------------------ steps

    private void OnBatch(TrainBatch batch)
    {
        var l = learner!;
        if (batch.LearnerStep != l.Step + 1)
        {
            log.Warning("ignoring a batch for step {0}; the learner is at step {1}", batch.LearnerStep, l.Step);
            return;
        }
        var wait = StopWaiting();
        var clock = Stopwatch.StartNew();
        // Arrival order depends on scorer timing; group-id order does not, so a step sees the same batch every time.
        var groups = batch.Groups.OrderBy(g => g.GroupId).ToList();
        var staleness = groups.Select(g => batch.PolicyVersion - g.MinVersion).ToList();
        ApplySettings(batch);
        setup.BeforeStep?.Invoke(batch.LearnerStep);
        lastTrace = null;
        var m = l.Train(groups);
        var weights = PolicyWeights.Export(policy!, l.PolicyVersion);
        // Recorded before the ledger hears of the step: a kill in between leaves lines of an unreported step, which the
        // resume's rollback cuts, never a reported step without its lines.
        if (setup.RolloutLog is { } rollouts) RecordRollouts(rollouts, batch, groups, m, weights.Sha256);
        var status = AskLedger(new StepCompleted(l.Step, l.PolicyVersion)).Ledger;
        setup.Health?.RecordStep(status, staleness);
        Publish(weights);

        var last = l.Step >= targetSteps;
        double? eval = last || (evalEvery > 0 && l.Step % evalEvery == 0) ? Evaluate() : null;
        Log(m, status, eval, staleness, wait, clock.Elapsed.TotalSeconds + wait);
        if (last || l.Step % setup.CheckpointEvery == 0)
        {
            var folder = Checkpoint();
            rolloutInterval = l.Step + 1;
            if (last)
            {
                metrics.Ask<MetricsFlushed>(FlushMetrics.Instance, AskTimeout).GetAwaiter().GetResult();
                host.Tell(new RunFinished(l.Step, l.PolicyVersion, eval, folder));
                return;
            }
        }
        StartWaiting();
        Self.Tell(AskForBatch.Instance);
    }

    /// <summary>
    /// The learner's part of a graceful leave (<see cref="HandOverLearner"/>). The request is handled between messages, so
    /// the step in progress has finished (and was reported to the ledger); what is left is to make it durable: a
    /// checkpoint of the current step, committed to the ledger, unless the last committed one is of that step already
    /// (or, without <paramref name="checkpoint"/>, only the name of the last committed one). Failures are answered, not
    /// thrown: the node leaves either way, and the standby then resumes from the last checkpoint that was committed.
    /// </summary>
    private LearnerHandedOver HandOver(bool checkpoint)
    {
        Timers.CancelAll(); // no more polls for a batch
        if (learner is not { } l) return new LearnerHandedOver(-1, -1, null, false, null);
        try
        {
            var status = AskLedger(GetStatus.Instance).Ledger;
            if (!checkpoint)
                return status.LastCheckpoint is { } committed
                    ? new LearnerHandedOver(committed.LearnerStep, committed.PolicyVersion, CheckpointPath.Folder(RunRoot, committed.Path), false, null)
                    : new LearnerHandedOver(0, 0, null, false, null);
            // Nothing trained yet: the standby starts from the base model, as this learner would.
            if (l.Step == 0 && status.LastCheckpoint is null) return new LearnerHandedOver(0, 0, null, false, null);
            if (status.LastCheckpoint is { } last && last.LearnerStep == l.Step)
                return new LearnerHandedOver(l.Step, l.PolicyVersion, CheckpointPath.Folder(RunRoot, last.Path), false, null);
            var folder = Checkpoint();
            rolloutInterval = l.Step + 1;
            metrics.Ask<MetricsFlushed>(FlushMetrics.Instance, AskTimeout).GetAwaiter().GetResult();
            log.Info("handed over at step {0}: checkpoint {1} committed", l.Step, folder);
            return new LearnerHandedOver(l.Step, l.PolicyVersion, folder, true, null);
        }
        catch (Exception e)
        {
            log.Warning("the hand-over checkpoint of step {0} failed: {1}", l.Step, e.GetBaseException().Message);
            return new LearnerHandedOver(l.Step, l.PolicyVersion, null, false, e.GetBaseException().Message);
        }
    }

    /// <summary>
    /// Puts the settings in force at the batch's step into effect before it trains: the learning rate, the IB trust
    /// gate, B and η (the learner only reads them), the target steps and evaluation cadence, and the scheduler config the
    /// next <see cref="UpdateEntropy"/> carries. The batch lists every journaled change effective by its step, so the
    /// settings are recomputed from <c>run.conf</c> whenever that list grew; <see cref="settingsChangedNow"/> is what
    /// took effect at exactly this step, for its metrics line.
    /// </summary>
    private void ApplySettings(TrainBatch batch)
    {
        var changes = batch.SettingsChanges ?? [];
        var now = changes.Where(c => c.EffectiveStep == batch.LearnerStep).SelectMany(c => c.Changes).ToList();
        settingsChangedNow = now.Count == 0 ? null : new JsonObject(now.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)JsonValue.Create(c.Value))));
        if (changes.Count == changesApplied) return;
        var settings = setup.Settings ?? throw new InvalidOperationException("the learner has no run settings to apply live settings changes to");
        var inForce = SettingsInForce.At(settings, changes, batch.LearnerStep);
        var algorithm = AlgorithmSettingsReader.Read(inForce);
        var run = RunSettings.Read(inForce);
        learner!.Reconfigure(algorithm);
        targetSteps = run.Steps;
        evalEvery = run.EvalEvery;
        schedulerConfig = EntropyScheduler.ConfigFor(algorithm.Entropy.Mode, algorithm.Scheduler);
        changesApplied = changes.Count;
        log.Info("settings in force from step {0}: {1}", batch.LearnerStep, string.Join(", ", SettingsInForce.Overrides(changes, batch.LearnerStep)));
    }

    private string Checkpoint()
    {
        var l = learner!;
        EntropySchedulerState? schedulerState = l.Scheduler?.State;
        if (scheduler is not null && l.Scheduler is not null)
            schedulerState = scheduler.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance, AskTimeout).GetAwaiter().GetResult().State;
        var folder = Path.Combine(setup.CheckpointRoot, LearnerCheckpoint.DirectoryName(l.Step));
        var companions = HfCompanionFiles.Build(setup.BaseCheckpoint, policy!.Config, tokenizer!, tokenizerJson,
            new SamplingOptions(setup.Algorithm.Temperature, MaxNewTokens: setup.Algorithm.MaxNewTokens),
            LearnerModelCard.Facts(setup, l.Step, l.PolicyVersion, lastLine?["step"]?.GetValue<long>() == l.Step ? lastLine : null, latestEval));
        string manifest, sha;
        try
        {
            (manifest, sha) = LearnerCheckpoint.Save(folder, l, policy!, tokenizerJson, schedulerState, new Dictionary<string, string>
            {
                ["run.json"] = JsonSerializer.Serialize(new { run_id = setup.RunId, step = l.Step, policy_version = l.PolicyVersion, seed = setup.Seed }),
            }, companions);
        }
        catch (Exception e) when (DiskSpace.IsFull(e))
        {
            throw DiskFull(folder, e);
        }
        // A learner that lost its lease (frozen or cut off while a standby took over) must not commit: its checkpoint
        // would become the run's current one behind the new learner's back.
        if (setup.Fence?.Invoke() is { } fenced) throw new InvalidOperationException($"learner fenced, checkpoint {folder} not committed: {fenced}");
        // Relative to the run folder, so that a moved or copied run folder resumes from its own checkpoints.
        AskLedger(new CommitCheckpoint(l.Step, l.PolicyVersion, CheckpointPath.ForJournal(RunRoot, manifest), sha));
        // Save never writes into an existing folder (a leftover of a save whose commit never happened): it picks a
        // free name, so the manifest says where the checkpoint really is.
        var saved = Path.GetDirectoryName(manifest)!;
        // Only after the commit: the journal now names the new folder as current, the one a resume or rollback loads.
        var deleted = CheckpointRetention.Apply(setup.CheckpointRoot, setup.KeepCheckpoints, saved);
        if (deleted.Count > 0) log.Info("retention (keep {0}): deleted {1}", setup.KeepCheckpoints, string.Join(", ", deleted.Select(Path.GetFileName)));
        return saved;
    }

    /// <summary>A full disk during a checkpoint: where, how much the checkpoint needs (the last one's size, else the weights and Adam's two moments), how much is free.</summary>
    private DiskFullException DiskFull(string folder, Exception e)
    {
        var previous = Directory.Exists(setup.CheckpointRoot)
            ? Directory.EnumerateDirectories(setup.CheckpointRoot, "step-*").Select(DiskSpace.SizeOf).DefaultIfEmpty(0).Max()
            : 0;
        var needed = previous > 0 ? previous : 3L * 4 * policy!.Config.ParameterCount();
        var free = DiskSpace.FreeBytes(setup.CheckpointRoot);
        return new DiskFullException($"no space left for the checkpoint {folder}: it needs about {needed / 1e6:F1} MB, " +
                                     $"{(free is { } f ? $"{f / 1e6:F1} MB are free" : "the free space is unknown")} on that disk", e);
    }

    /// <summary>The run folder: the checkpoints' parent, what journal paths are relative to.</summary>
    private string RunRoot => Path.GetDirectoryName(Path.GetFullPath(setup.CheckpointRoot))!;

    private void Publish() => Publish(PolicyWeights.Export(policy!, learner!.PolicyVersion));

    private void Publish(PolicyWeights weights) => weightStore.Tell(new PublishWeights(weights));

    private void RecordRollouts(RolloutStore rollouts, TrainBatch batch, IReadOnlyList<ScoredGroup> groups, LearnerStepMetrics m, string paramsSha256)
    {
        var l = learner!;
        // The batch's prompt indexes follow its arrival order; the learner trained in group-id order.
        var promptIndex = new Dictionary<long, long>();
        for (var i = 0; i < batch.Groups.Count && i < batch.PromptIndexes.Count; i++) promptIndex[batch.Groups[i].GroupId] = batch.PromptIndexes[i];
        var dropped = batch.Dropped.OrderBy(d => d.Group.GroupId).ToList();
        var lines = new List<System.Text.Json.Nodes.JsonObject>
        {
            RolloutRecords.Step(l.Step, batch.PolicyVersion, groups, dropped, m, paramsSha256, TorchSharp.torch.get_num_threads(), l.Seed),
        };
        lines.AddRange(RolloutRecords.Groups(l.Step, groups, [.. groups.Select(g => promptIndex.GetValueOrDefault(g.GroupId, -1))], lastTrace, dropped,
            ids => tokenizer!.Decode(ids, skipSpecial: false)));
        rollouts.Append(rolloutInterval, l.Step, lines);
    }

    private double Evaluate()
    {
        policy!.eval();
        var sampling = new SamplingOptions(1.0, MaxNewTokens: setup.Algorithm.MaxNewTokens);
        var outcomes = new TaskEvaluator(policy, tokenizer!, setup.Task).Run(setup.EvalProblems, setup.EvalSamples, sampling, (ulong)(setup.EvalSamplingSeed ?? setup.Seed));
        var passAt1 = TaskEvaluator.PassAt1(outcomes);
        latestEval = (learner!.Step, passAt1);
        if (setup.SamplesDirectory is not null && setup.EvalLogSamples > 0)
            EvalSampleLog.Write(setup.SamplesDirectory, learner.Step, EvalSampleLog.Select(outcomes, setup.Task, setup.EvalLogSamples, learner.Step));
        return passAt1;
    }

    private void Log(LearnerStepMetrics? m, LedgerStatus status, double? eval, IReadOnlyList<long> staleness, double wait, double seconds)
    {
        var elapsed = wall.Elapsed.TotalSeconds;
        var line = LearnerMetricsLine.Build(learner!.Step, learner.PolicyVersion, m, status, eval, staleness, wait,
            elapsed > 0 ? idleSeconds / elapsed : 0, seconds);
        lastLine = line;
        if (m is not null)
        {
            // The live-changeable settings the step trained with, so a change shows in the log where it took effect.
            line["learning_rate"] = learner.Optimizer.LearningRate;
            line["max_staleness"] = learner.Settings.MaxStaleness;
            // The live changes (gipo set) that took effect at this step, key → value; absent on other steps.
            if (settingsChangedNow is not null) line["settings_changed"] = settingsChangedNow.DeepClone();
        }
        metrics.Tell(MetricsLineJson.ToMessage(learner.Step, line));
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    private EntropyCoefficients AskScheduler(EntropyStats stats)
    {
        var reply = scheduler!.Ask<object>(new UpdateEntropy(stats, schedulerConfig), AskTimeout).GetAwaiter().GetResult();
        return reply switch
        {
            EntropyCoefficientsReply r => r.Coefficients,
            EntropyUpdateRejected r => throw new InvalidOperationException($"the entropy scheduler rejected step {r.LearnerStep}: {r.Reason}"),
            _ => throw new InvalidOperationException($"unexpected entropy scheduler reply {reply}"),
        };
    }

    private RunStatus AskLedger(object command)
    {
        var reply = coordinator.Ask<object>(command, AskTimeout).GetAwaiter().GetResult();
        return reply switch
        {
            RunStatus s => s,
            CommandRejected r => throw new InvalidOperationException($"the coordinator rejected {r.Command}: {r.Reason}"),
            _ => throw new InvalidOperationException($"unexpected coordinator reply {reply}"),
        };
    }

    private void StartWaiting() => waiting = Stopwatch.StartNew();

    private double StopWaiting()
    {
        var s = waiting?.Elapsed.TotalSeconds ?? 0;
        idleSeconds += s;
        waiting = null;
        return s;
    }

    private sealed class Start : INoSerializationVerificationNeeded
    {
        public static Start Instance { get; } = new();
    }

    private sealed class AskForBatch : INoSerializationVerificationNeeded
    {
        public static AskForBatch Instance { get; } = new();
    }
}
