using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Rollouts;
using Gipo.Cluster.Weights;
using Gipo.Core.Algorithm;
using Gipo.Core.Tokenization;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Evaluation;
using Gipo.Model.Learning;
using Gipo.Model.Sampling;

namespace Gipo.Cluster.Learning;

/// <summary>
/// The learner (docs/architecture.md, "Actors"): takes each step's batch from the coordinator, runs one GIPO step
/// (<see cref="GipoLearner.Train"/>, whose entropy scheduler lives inside it and is saved with every checkpoint),
/// reports the step to the ledger, publishes the new policy version, evaluates and checkpoints on schedule.
/// <para>
/// It runs on the pinned torch dispatcher: TorchSharp's dispose scopes and grad mode are thread-local, and its long
/// steps then block only this actor's thread while they compute. It never blocks waiting for a peer: each
/// request/reply exchange (the ledger's status, rollback and acknowledgements, the metrics log's rewind and flush) is an
/// ask piped back to itself (<see cref="Exchange"/>), and while one is outstanding the actor stashes every other message,
/// so a request that arrives meanwhile (a hand-over, a batch) waits behind the exchange as it would behind a step. A
/// reply that does not come within <see cref="LearnerSetup.ExchangeTimeout"/> fails the start, step or hand-over it
/// belongs to; a start or step that timed out is retried by the back-off supervisor.
/// </para>
/// <para>
/// Its durable state is its checkpoints (files written to a staging folder and renamed into place) plus the ledger's
/// <see cref="CheckpointCommitted"/> events, which name them with the manifest hash: the journal is the single record
/// of which checkpoint is current, so there is no second journal to disagree with. On start (first start, restart
/// after a failure, or a resumed process) it loads the last committed checkpoint — or, when that one is missing or fails
/// its hashes, the newest valid one the ledger can still roll back to (<see cref="CheckpointFallback"/>), or the one
/// the operator chose (<see cref="LearnerSetup.FromCheckpoint"/>) — (or the base model) with the entropy scheduler's
/// state it holds, rolls the ledger back to it, cuts the metrics log to it, and publishes that version. A failure inside a step
/// therefore never touches the last checkpoint, and the next incarnation repeats the step from it — unless the failure
/// would only repeat (<see cref="LearnerFailures"/>): then the run ends with <see cref="RunFailed"/> and the reason.
/// </para>
/// </summary>
public sealed class LearnerActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private const string PollTimer = "poll";

    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly LearnerSetup setup;
    private readonly IActorRef coordinator;
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
    private int changesApplied;
    private JsonObject? settingsChangedNow;

    // Exchanges are numbered process-wide, so a reply can only ever complete the exchange that asked for it.
    private static long exchanges;
    // What a failure means depends on what the learner was doing when it came: a start, a step or a hand-over.
    private Action<Exception> failed = _ => { };

    /// <summary>Use <see cref="Props"/>.</summary>
    public LearnerActor(LearnerSetup setup, IActorRef coordinator, IActorRef weightStore, IActorRef metrics, IActorRef host,
        LearnerFailures? failures = null)
    {
        this.setup = setup;
        this.coordinator = coordinator;
        this.weightStore = weightStore;
        this.metrics = metrics;
        this.host = host;
        this.failures = failures ?? new LearnerFailures();
        targetSteps = setup.TargetSteps;
        evalEvery = setup.EvalEvery;

        Receive<Start>(_ => Run(StartFailed, OnStart));
        Receive<AskForBatch>(_ => coordinator.Tell(new NextBatch(learner!.Step + 1)));
        Receive<TrainBatch>(batch => Run(StepFailed(batch.LearnerStep), () => OnBatch(batch)));
        Receive<NotEnoughGroups>(_ => Timers.StartSingleTimer(PollTimer, AskForBatch.Instance, setup.Poll));
        Receive<CommandRejected>(r => throw new InvalidOperationException($"the coordinator rejected {r.Command}: {r.Reason}"));
        Receive<HandOverLearner>(m => HandOver(m.Checkpoint, Sender));
        Receive<Replied>(r => log.Debug("ignoring the reply of exchange {0}, which nobody waits for", r.Exchange));
    }

    /// <summary>
    /// A start that fails (bad checkpoint, a journal that does not fit the config) fails the same way on every retry: the
    /// run ends with the reason, said once on the command's error: line. Stopping (not throwing) keeps the supervisor from
    /// logging a stack trace before it; the trace stays at debug level. A time-out is the exception, as for a step: the
    /// coordinator did not answer yet (still recovering from a slow journal database, or moving to this node), which a
    /// later try can get past, so the supervisor retries the start after its back-off.
    /// </summary>
    private void StartFailed(Exception e)
    {
        if (e.GetBaseException() is TimeoutException or AskTimeoutException)
        {
            log.Warning("the learner could not start yet: the coordinator did not answer within {0} s (its journal may be slow or " +
                        "still recovering); starting again", setup.ExchangeTimeout.TotalSeconds);
            ExceptionDispatchInfo.Throw(e);
        }
        host.Tell(new RunFailed($"the learner could not start: {e.GetBaseException().Message}"));
        log.Debug("the learner could not start: {0}", e);
        Context.Stop(Self);
    }

    /// <summary>
    /// A failed step: retried by the supervisor after a back-off (the exception is thrown on), unless it would only repeat
    /// (<see cref="LearnerFailures"/>); then the run ends with the reason.
    /// </summary>
    private Action<Exception> StepFailed(long step) => e =>
    {
        var reason = failures.Record(step, e);
        if (reason is null) ExceptionDispatchInfo.Throw(e); // the supervisor retries after a back-off
        log.Error(e, "{0}", reason);
        host.Tell(new RunFailed(reason));
        Context.Stop(Self);
    };

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
    public static Props Props(LearnerSetup setup, IActorRef coordinator, IActorRef weightStore, IActorRef metrics, IActorRef host,
        LearnerFailures? failures = null) =>
        Akka.Actor.Props.Create(() => new LearnerActor(setup, coordinator, weightStore, metrics, host, failures))
            .WithDispatcher(GipoDispatchers.Torch);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

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
        // The rollout log records the advantages each step trained on (a host copy per step, only when it is on).
        if (setup.RolloutLog is not null) learner.AdvantageObserver = t => lastTrace = t;
        AskLedger(GetStatus.Instance, Resume);
    }

    /// <summary>The start, once the ledger's status is in: back to the checkpoint the run resumes from (or the base model).</summary>
    private void Resume(LedgerStatus status)
    {
        var l = learner!;
        var target = RestoreTarget(status, out var why);
        if (status is { Complete: true, LastCheckpoint: { } final } && target == final)
        {
            // Resuming a run that ended: nothing to roll back or train.
            host.Tell(new RunFinished(status.LearnerStep, status.PolicyVersion, null, CheckpointPath.Folder(RunRoot, final.Path)));
            return;
        }
        if (target is { } checkpoint)
        {
            LearnerCheckpoint.Load(CheckpointPath.Folder(RunRoot, checkpoint.Path), l, policy!, checkpoint.Sha256);
            if (l.Step != checkpoint.LearnerStep)
                throw new InvalidDataException($"checkpoint {checkpoint.Path} holds learner step {l.Step}, " +
                                               $"the ledger committed it as step {checkpoint.LearnerStep}");
            Rewind(checkpoint.LearnerStep, checkpoint.LearnerStep, () =>
            {
                setup.FromCheckpoint?.MarkApplied();
                if (why is not null)
                    log.Warning("rolled back to the checkpoint of step {0} ({1}) instead of the last committed one of step {2}: {3}; " +
                                "the steps after {0} are trained again",
                        checkpoint.LearnerStep, CheckpointPath.Folder(RunRoot, checkpoint.Path), status.LastCheckpoint!.LearnerStep, why);
                else log.Info("resumed from checkpoint of step {0} ({1})", checkpoint.LearnerStep, checkpoint.Path);
                Begin(status);
            });
        }
        else if (status.LearnerStep > 0 || status.TotalIssued > 0)
        {
            // Steps were taken but none was checkpointed: start over from the base model (and its step-0 evaluation).
            Rewind(0, metricsStep: -1, () =>
            {
                log.Info("no checkpoint committed yet: restarting the run from the base model");
                Begin(status);
            });
        }
        else Begin(status);
    }

    /// <summary>The end of a start: publishes the version the learner is at, logs the step-0 evaluation of a fresh run, asks for a batch.</summary>
    private void Begin(LedgerStatus status)
    {
        Publish();
        wall.Start();
        if (learner!.Step == 0 && status.LastCheckpoint is null)
        {
            // Step 0: the held-out pass@1 the run starts from.
            var eval = Evaluate();
            AskLedger(GetStatus.Instance, now =>
            {
                Log(null, now, eval, [], 0, 0);
                AskForNextBatch();
            });
        }
        else AskForNextBatch();
    }

    private void AskForNextBatch()
    {
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
            log.Warning("the checkpoint of step {0} " +
                        "({1}) is not valid: {2}", bad.Checkpoint.LearnerStep, CheckpointPath.Folder(RunRoot, bad.Checkpoint.Path), bad.Reason);
        if (valid is null)
            throw new InvalidDataException($"no committed checkpoint of the run is valid: " +
                                           $"{string.Join("; ", passedOver.Select(b => $"step {b.Checkpoint.LearnerStep}: {b.Reason}"))}");
        if (valid != last)
            why = $"the newer checkpoint{(passedOver.Count > 1 ? "s" : "")} of step " +
                  $"{string.Join(", ", passedOver.Select(b => b.Checkpoint.LearnerStep))} " +
                  $"{(passedOver.Count > 1 ? "are" : "is")} not valid ({string.Join("; ", passedOver.Select(b => b.Reason))})";
        return valid;
    }

    /// <summary>What is wrong with committed checkpoint <paramref name="c"/> on disk (missing, a hash or size mismatch, another step), or
    /// null.</summary>
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

    /// <summary>Rolls the ledger and the metrics log back to learner step <paramref name="step"/> (the learner itself,
    /// its entropy scheduler included, is already there), then goes on with <paramref name="then"/>; the log (and the
    /// evaluation samples) keep lines up to <paramref name="metricsStep"/>.</summary>
    private void Rewind(long step, long metricsStep, Action then) =>
        AskLedger(new RollbackToCheckpoint(step), _ => AskMetrics<MetricsRewound>(new RewindMetrics(metricsStep), () =>
        {
            if (setup.SamplesDirectory is not null) EvalSampleLog.Prune(setup.SamplesDirectory, metricsStep);
            setup.RolloutLog?.Rewind(step);
            rolloutInterval = step + 1;
            then();
        }));

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
        lastTrace = null;
        var m = l.Train(groups);
        var weights = PolicyWeights.Export(policy!, l.PolicyVersion);
        // Recorded before the ledger hears of the step: a kill in between leaves lines of an unreported step, which the
        // resume's rollback cuts, never a reported step without its lines.
        if (setup.RolloutLog is { } rollouts) RecordRollouts(rollouts, batch, groups, m, weights.Sha256);
        AskLedger(new StepCompleted(l.Step, l.PolicyVersion), status =>
        {
            setup.Health?.RecordStep(status, staleness);
            Publish(weights);

            var last = l.Step >= targetSteps;
            double? eval = last || (evalEvery > 0 && l.Step % evalEvery == 0) ? Evaluate() : null;
            Log(m, status, eval, staleness, wait, clock.Elapsed.TotalSeconds + wait);
            if (!last && l.Step % setup.CheckpointEvery != 0)
            {
                AskForNextBatch();
                return;
            }
            Checkpoint(folder =>
            {
                rolloutInterval = l.Step + 1;
                if (!last) AskForNextBatch();
                else AskMetrics<MetricsFlushed>(FlushMetrics.Instance, () => host.Tell(new RunFinished(l.Step, l.PolicyVersion, eval, folder)));
            });
        });
    }

    /// <summary>
    /// The learner's part of a graceful leave (<see cref="HandOverLearner"/>). The request is handled between messages, so
    /// the step in progress has finished (and was reported to the ledger); what is left is to make it durable: a
    /// checkpoint of the current step, committed to the ledger, unless the last committed one is of that step already
    /// (or, without <paramref name="checkpoint"/>, only the name of the last committed one). Failures are answered, not
    /// thrown: the node leaves either way, and the standby then resumes from the last checkpoint that was committed.
    /// </summary>
    private void HandOver(bool checkpoint, IActorRef requester)
    {
        Timers.CancelAll(); // no more polls for a batch
        void Answer(LearnerHandedOver reply)
        {
            requester.Tell(reply);
            Become(() => HandedOver(reply));
        }
        if (learner is not { } l)
        {
            Answer(new LearnerHandedOver(-1, -1, null, false, null));
            return;
        }
        Run(e =>
        {
            log.Warning("the hand-over checkpoint of step {0} failed: {1}", l.Step, e.GetBaseException().Message);
            Answer(new LearnerHandedOver(l.Step, l.PolicyVersion, null, false, e.GetBaseException().Message));
        }, () => AskLedger(GetStatus.Instance, status =>
        {
            if (!checkpoint)
                Answer(status.LastCheckpoint is { } committed
                    ? new LearnerHandedOver(committed.LearnerStep, committed.PolicyVersion, CheckpointPath.Folder(RunRoot, committed.Path),
                                            false, null)
                    : new LearnerHandedOver(0, 0, null, false, null));
            // Nothing trained yet: the standby starts from the base model, as this learner would.
            else if (l.Step == 0 && status.LastCheckpoint is null) Answer(new LearnerHandedOver(0, 0, null, false, null));
            else if (status.LastCheckpoint is { } last && last.LearnerStep == l.Step)
                Answer(new LearnerHandedOver(l.Step, l.PolicyVersion, CheckpointPath.Folder(RunRoot, last.Path), false, null));
            else
                Checkpoint(folder =>
                {
                    rolloutInterval = l.Step + 1;
                    AskMetrics<MetricsFlushed>(FlushMetrics.Instance, () =>
                    {
                        log.Info("handed over at step {0}: checkpoint {1} committed", l.Step, folder);
                        Answer(new LearnerHandedOver(l.Step, l.PolicyVersion, folder, true, null));
                    });
                });
        }));
    }

    /// <summary>
    /// Puts the settings in force at the batch's step into effect before it trains: the learning rate, the IB trust
    /// gate, the entropy scheduler's targets, B and η (the learner only reads them), and the target steps and evaluation
    /// cadence. The batch lists every journaled change effective by its step, so the
    /// settings are recomputed from <c>run.conf</c> whenever that list grew; <see cref="settingsChangedNow"/> is what
    /// took effect at exactly this step, for its metrics line.
    /// </summary>
    private void ApplySettings(TrainBatch batch)
    {
        var changes = batch.SettingsChanges ?? [];
        var now = changes.Where(c => c.EffectiveStep == batch.LearnerStep).SelectMany(c => c.Changes).ToList();
        settingsChangedNow = now.Count == 0 ? null
            : new JsonObject(now.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)JsonValue.Create(c.Value))));
        if (changes.Count == changesApplied) return;
        var settings = setup.Settings ?? throw new InvalidOperationException("the learner has no run settings to apply live settings changes to");
        var inForce = SettingsInForce.At(settings, changes, batch.LearnerStep);
        var algorithm = AlgorithmSettingsReader.Read(inForce);
        var run = RunSettings.Read(inForce);
        learner!.Reconfigure(algorithm);
        targetSteps = run.Steps;
        evalEvery = run.EvalEvery;
        changesApplied = changes.Count;
        log.Info("settings in force from step {0}: {1}", batch.LearnerStep, string.Join(", ", SettingsInForce.Overrides(changes, batch.LearnerStep)));
    }

    /// <summary>
    /// Writes a checkpoint of the current step, commits it to the ledger (after the fencing check), applies the retention,
    /// then goes on with <paramref name="then"/> and the checkpoint's folder.
    /// </summary>
    private void Checkpoint(Action<string> then)
    {
        var l = learner!;
        var folder = Path.Combine(setup.CheckpointRoot, LearnerCheckpoint.DirectoryName(l.Step));
        var companions = HfCompanionFiles.Build(setup.BaseCheckpoint, policy!.Config, tokenizer!, tokenizerJson,
            new SamplingOptions(setup.Algorithm.Temperature, MaxNewTokens: setup.Algorithm.MaxNewTokens),
            LearnerModelCard.Facts(setup, l.Step, l.PolicyVersion, lastLine?["step"]?.GetValue<long>() == l.Step ? lastLine : null, latestEval));
        string manifest, sha;
        try
        {
            (manifest, sha) = LearnerCheckpoint.Save(folder, l, policy!, tokenizerJson, new Dictionary<string, string>
            {
                ["run.json"] =
                    JsonSerializer.Serialize(new { run_id = setup.RunId, step = l.Step, policy_version = l.PolicyVersion, seed = setup.Seed }),
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
        AskLedger(new CommitCheckpoint(l.Step, l.PolicyVersion, CheckpointPath.ForJournal(RunRoot, manifest), sha), _ =>
        {
            // Save never writes into an existing folder (a leftover of a save whose commit never happened): it picks a
            // free name, so the manifest says where the checkpoint really is.
            var saved = Path.GetDirectoryName(manifest)!;
            // Only after the commit: the journal now names the new folder as current, the one a resume or rollback loads.
            var deleted = CheckpointRetention.Apply(setup.CheckpointRoot, setup.KeepCheckpoints, saved);
            if (deleted.Count > 0) log.Info("retention " +
                                            "(keep {0}): deleted {1}", setup.KeepCheckpoints, string.Join(", ", deleted.Select(Path.GetFileName)));
            then(saved);
        });
    }

    /// <summary>A full disk during a checkpoint: where, how much the checkpoint needs (the last one's size, else the weights and Adam's two
    /// moments), how much is free.</summary>
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
        lines.AddRange(RolloutRecords.Groups(l.Step, groups, [.. groups.Select(g => promptIndex.GetValueOrDefault(g.GroupId, -1))],
                                             lastTrace, dropped,
            ids => tokenizer!.Decode(ids, skipSpecial: false)));
        rollouts.Append(rolloutInterval, l.Step, lines);
    }

    private double Evaluate()
    {
        policy!.eval();
        var sampling = new SamplingOptions(1.0, MaxNewTokens: setup.Algorithm.MaxNewTokens);
        var outcomes = new TaskEvaluator(policy, tokenizer!, setup.Task)
            .Run(setup.EvalProblems, setup.EvalSamples, sampling, (ulong)(setup.EvalSamplingSeed ?? setup.Seed));
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

    /// <summary>
    /// Runs <paramref name="work"/> as part of what <paramref name="onFailure"/> stands for (a start, a step, a hand-over):
    /// an exception it throws, or one of an exchange it waits for later on, goes there.
    /// </summary>
    private void Run(Action<Exception> onFailure, Action work)
    {
        failed = onFailure;
        try
        {
            work();
        }
        catch (Exception e)
        {
            onFailure(e);
        }
    }

    /// <summary>
    /// One request/reply exchange with a peer, without blocking the thread: asks <paramref name="peer"/> (the ask's
    /// time-out bounds the wait), pipes the answer back to this actor, and until it arrives stashes every other message.
    /// Then the stash is replayed and <paramref name="then"/> goes on with the reply, as part of the same start, step or
    /// hand-over; a time-out or failed ask fails that instead, with the ask's exception. Call it last: what follows it runs
    /// in <paramref name="then"/>.
    /// </summary>
    private void Exchange(IActorRef peer, object request, Action<object> then)
    {
        var id = Interlocked.Increment(ref exchanges);
        var onFailure = failed;
        peer.Ask<object>(request, setup.ExchangeTimeout)
            .PipeTo(Self, success: reply => new Replied(id, reply, null), failure: e => new Replied(id, null, e));
        BecomeStacked(() =>
        {
            Receive<Replied>(r =>
            {
                if (r.Exchange != id)
                {
                    log.Debug("ignoring the reply of exchange {0} while waiting for exchange {1}", r.Exchange, id);
                    return;
                }
                UnbecomeStacked();
                Stash.UnstashAll();
                Run(onFailure, () =>
                {
                    if (r.Error is { } error) ExceptionDispatchInfo.Throw(error);
                    then(r.Reply!);
                });
            });
            ReceiveAny(_ => Stash.Stash());
        });
    }

    /// <summary>An <see cref="Exchange"/> with the coordinator: its <see cref="RunStatus"/>, or the failure of a rejected command.</summary>
    private void AskLedger(object command, Action<LedgerStatus> then) => Exchange(coordinator, command, reply => then(reply switch
    {
        RunStatus s => s.Ledger,
        CommandRejected r => throw new InvalidOperationException($"the coordinator rejected {r.Command}: {r.Reason}"),
        _ => throw new InvalidOperationException($"unexpected coordinator reply {reply}"),
    }));

    /// <summary>An <see cref="Exchange"/> with the metrics sink, whose answer must be a <typeparamref name="TReply"/>.</summary>
    private void AskMetrics<TReply>(object request, Action then) => Exchange(metrics, request, reply =>
    {
        if (reply is not TReply) throw new InvalidOperationException($"unexpected metrics sink reply {reply} to {request.GetType().Name}");
        then();
    });

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

    /// <summary>The outcome of exchange <paramref name="Exchange"/>: the peer's reply, or why there is none.</summary>
    private sealed record Replied(long Exchange, object? Reply, Exception? Error) : INoSerializationVerificationNeeded;
}
