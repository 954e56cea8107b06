using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Gipo.Core.Algorithm;

namespace Gipo.Cluster.Coordination;

/// <summary>
/// The run's persistent coordinator: samplers lease work from it, scorers report results to it, the learner takes
/// batches from it (docs/architecture.md, "Actors"). Every decision is <see cref="RunLedger"/>'s; this actor only
/// routes messages, persists the ledger's events before acting on them, keeps the scored payloads until a batch takes
/// them, watches lease holders and runs the lease timer. Protocol: <c>RunCoordinatorProtocol.cs</c>.
/// </summary>
public sealed class RunCoordinator : ReceivePersistentActor, IWithTimers
{
    private const string LeaseTimer = "lease-check";

    private readonly string runId;
    private readonly RunCoordinatorOptions options;
    private readonly TimeProvider clock;
    private readonly ILoggingAdapter log = Context.GetLogger();

    // Scored groups waiting for (or in) a batch. Trajectories are never journaled, so a coordinator restart loses
    // these; the ledger then re-issues their prompts when a batch needs them.
    private readonly Dictionary<long, ScoredGroup> payloads = [];

    // Scored groups dropped since the last batch (filtered, stale), with their trajectories, for the learner's rollout
    // log; handed over with the next batch. Kept in memory only, like the payloads.
    private readonly List<DroppedGroup> droppedSinceBatch = [];

    // Lease holders being watched, by holder id (serialized actor path with uid).
    private readonly Dictionary<string, IActorRef> holders = new(StringComparer.Ordinal);

    private RunLedger ledger;
    private int eventsSinceSnapshot;

    // The last (learner step, round of B examined groups) warned about at the max-gen-rounds cap: one warning per round.
    private (long Step, long Round) capWarned = (-1, -1);

    // The run was told it cannot go on (max-empty-rounds): said once, while the learner keeps polling until the end.
    private bool exhaustedReported;

    /// <summary>Use <see cref="Props"/>.</summary>
    public RunCoordinator(string runId, LedgerSettings settings, RunCoordinatorOptions options)
    {
        this.runId = runId;
        this.options = options;
        clock = options.Clock ?? TimeProvider.System;
        ledger = new RunLedger(settings);
        PersistenceId = PersistenceIdFor(runId);

        Recover<SnapshotOffer>(offer => ledger = RunLedger.FromSnapshot(settings, (LedgerSnapshot)offer.Snapshot));
        Recover<ILedgerEvent>(e => ledger.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<RequestWork>(OnRequestWork);
        Command<GenerationDone>(OnGenerationDone);
        Command<GroupResult>(OnGroupResult);
        Command<NextBatch>(OnNextBatch);
        Command<StepCompleted>(m => Learner(m, ledger.CompleteStep(m.LearnerStep, m.PolicyVersion)));
        Command<CommitCheckpoint>(m => Learner(m, ledger.CommitCheckpoint(m.LearnerStep, m.PolicyVersion, m.Path, m.Sha256)));
        Command<RollbackToCheckpoint>(OnRollback);
        Command<GetStatus>(_ => Sender.Tell(Status()));
        Command<ChangeSettings>(OnChangeSettings);
        Command<CheckLeases>(_ => OnCheckLeases());
        Command<Terminated>(OnTerminated);
        Command<ActorIdentity>(OnIdentity);
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f => log.Warning(f.Cause, "ledger snapshot at {0} failed; recovery replays more events", f.Metadata.SequenceNr));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => log.Warning(f.Cause, "deleting old ledger snapshots failed"));
    }

    /// <summary>Props for the coordinator of run <paramref name="runId"/>.</summary>
    public static Props Props(string runId, LedgerSettings settings, RunCoordinatorOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var o = options ?? new RunCoordinatorOptions();
        if (o.SnapshotEvery < 1) throw new ArgumentOutOfRangeException(nameof(options), o.SnapshotEvery, "SnapshotEvery must be >= 1");
        if (o.LeaseCheck <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), o.LeaseCheck, "LeaseCheckInterval must be > 0");
        return Akka.Actor.Props.Create(() => new RunCoordinator(runId, settings, o));
    }

    /// <summary>The fixed persistence id of run <paramref name="runId"/>'s coordinator: one journal per run.</summary>
    public static string PersistenceIdFor(string runId) => $"run-{runId}-coordinator";

    /// <inheritdoc />
    public override string PersistenceId { get; }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private RunStatus Status() => new(runId, ledger.Status);

    // ------------------------------------------------------------------------------------------------ handlers

    private void OnRecovered()
    {
        Timers.StartPeriodicTimer(LeaseTimer, CheckLeases.Instance, options.LeaseCheck);
        // Leases recovered from the journal belong to actors this incarnation never watched. Find each holder: a live
        // one is watched again (a coordinator fail-over keeps working samplers' leases); a gone one (the process
        // restarted, or only an older incarnation exists) loses its leases at once instead of at their deadlines.
        foreach (var holder in ledger.LeaseHolders)
        {
            if (ActorPath.TryParse(holder, out var path)) Context.ActorSelection(path).Tell(new Identify(holder));
            else Reissue(holder, "is not an actor path", ledger.HolderDied(holder));
        }
    }

    private void OnRequestWork(RequestWork m)
    {
        var replyTo = Sender;
        if (!IsWatchable(replyTo))
        {
            replyTo.Tell(new NoWorkYet("a lease needs a long-lived sender to watch: Tell RequestWork from the sampler actor, not Ask"));
            return;
        }
        var decision = ledger.RequestWork(HolderId(replyTo), m.PolicyVersion, Now);
        if (decision.Lease is not { } lease)
        {
            replyTo.Tell(new NoWorkYet(decision.Refusal!));
            return;
        }
        PersistThen([lease], () =>
        {
            Watch(lease.LeaseHolder, replyTo);
            replyTo.Tell(new WorkLease(lease.GroupId, lease.PromptIndex, lease.Seed, ledger.Settings.GroupSize, lease.PolicyVersion,
                                       lease.DeadlineUtc));
        });
    }

    private void OnGenerationDone(GenerationDone m)
    {
        var holder = Sender;
        if (!IsWatchable(holder)) return;
        var id = HolderId(holder);
        PersistThen(ledger.GenerationDone(m.GroupId, id, Now), () => Watch(id, holder));
    }

    private void OnGroupResult(GroupResult m)
    {
        var replyTo = Sender;
        ResultDecision decision;
        try
        {
            decision = ledger.RecordResult(m.Group.GroupId, GroupOutcome.Of(m.Group.Validate()));
        }
        catch (ArgumentException e)
        {
            // A malformed group is the sender's bug; it must not restart the coordinator.
            replyTo.Tell(new ResultAck(m.Group.GroupId, ResultOutcome.Rejected, e.Message));
            return;
        }
        PersistThen(decision.Events, () =>
        {
            if (decision.Outcome == ResultOutcome.Accepted) payloads[m.Group.GroupId] = m.Group;
            if (decision.Outcome == ResultOutcome.Filtered)
            {
                droppedSinceBatch.Add(new DroppedGroup(m.Group, ledger.PromptIndexOf(m.Group.GroupId) ?? -1, DropReason.Filtered));
                WarnEmptyRound();
            }
            replyTo.Tell(new ResultAck(m.Group.GroupId, decision.Outcome, decision.Reason));
        });
    }

    /// <summary>
    /// A round of B groups filtered with none kept is warned as it completes, not only when the learner next asks: a
    /// learner still loading its model (or one on a slow machine) asks late, and the rounds would pile up unseen until
    /// the run ends on them. The ledger's batch decision is only previewed here; its events are not journaled.
    /// </summary>
    private void WarnEmptyRound()
    {
        if (ledger.Finished) return;
        var next = ledger.LearnerStep + 1;
        var preview = ledger.NextBatch(next, payloads.ContainsKey);
        if (preview.EmptyRounds > 0 && !preview.Exhausted) WarnCap(next, preview);
    }

    private void OnNextBatch(NextBatch m)
    {
        var replyTo = Sender;
        var decision = ledger.NextBatch(m.LearnerStep, payloads.ContainsKey);
        if (decision.Exhausted)
        {
            // Generating more would only be filtered again: the run ends with the cause, once.
            if (!exhaustedReported)
            {
                log.Error("{0}", decision.Reason);
                options.FailureListener?.Tell(new Learning.RunFailed(decision.Reason));
                exhaustedReported = true;
            }
        }
        else if (decision.CapReached || decision.EmptyRounds > 0) WarnCap(m.LearnerStep, decision);
        PersistThen(decision.Events, () => replyTo.Tell(decision.Outcome switch
        {
            BatchOutcome.Ready => TakeBatch(m.LearnerStep, decision.GroupIds),
            BatchOutcome.NotEnough => new NotEnoughGroups(m.LearnerStep, decision.Reason),
            _ => new CommandRejected(nameof(NextBatch), decision.Reason),
        }));
    }

    private TrainBatch TakeBatch(long learnerStep, IReadOnlyList<long> groupIds)
    {
        var batch = new TrainBatch(learnerStep, ledger.PolicyVersion, [.. groupIds.Select(id => payloads[id])], ledger.SamplesConsumed)
        {
            PromptIndexes = [.. groupIds.Select(id => ledger.PromptIndexOf(id) ?? -1)],
            Dropped = [.. droppedSinceBatch],
            SettingsChanges = [.. ledger.SettingsChanges.Where(c => c.EffectiveStep <= learnerStep)],
        };
        droppedSinceBatch.Clear();
        return batch;
    }

    /// <summary>
    /// A live settings change: the ledger decides its effective step (the next step boundary) and checks it, the
    /// options' validator applies the start-up validation; the event is journaled before the answer, so an accepted
    /// change is in force for every later batch, also after a restart.
    /// </summary>
    private void OnChangeSettings(ChangeSettings m)
    {
        var replyTo = Sender;
        SettingsDecision decision;
        try
        {
            decision = ledger.ChangeSettings(m.RequestId, m.Changes, options.ValidateSettings);
        }
        catch (ArgumentException e)
        {
            replyTo.Tell(new SettingsChangeRefused(m.RequestId ?? "", e.Message));
            return;
        }
        if (decision.Change is not { } change)
        {
            log.Info("settings change {0} refused: {1}", m.RequestId, decision.Refusal);
            replyTo.Tell(new SettingsChangeRefused(m.RequestId, decision.Refusal!));
            return;
        }
        PersistThen(decision.Events, () =>
        {
            if (!decision.AlreadyJournaled)
                log.Info("settings change {0} journaled, in force from step {1}: {2}", change.RequestId, change.EffectiveStep,
                    string.Join(", ", change.Changes.Select(c => c.Override)));
            replyTo.Tell(new SettingsChangeAccepted(change));
        });
    }

    /// <summary>
    /// A short batch, a step still waiting at the max-gen-rounds cap, or a round of B groups with none kept, is never
    /// silent: one warning per step and per round of B groups examined (the learner asks again every poll).
    /// </summary>
    private void WarnCap(long learnerStep, BatchDecision decision)
    {
        var at = (learnerStep, decision.Examined / ledger.SettingsAt(learnerStep).GroupsPerStep);
        if (at == capWarned) return;
        capWarned = at;
        // Rounds with none kept come fast when every reward is equal: warned at rounds 1, 2, 4, 8, … so the log says how
        // long it has lasted without a line per round.
        if (decision.EmptyRounds > 0 && !long.IsPow2(decision.EmptyRounds)) return;
        log.Warning("{0}", decision.Reason);
    }

    private void Learner(object command, CommandDecision decision, Action? journaled = null)
    {
        var replyTo = Sender;
        if (!decision.Accepted)
        {
            replyTo.Tell(new CommandRejected(command.GetType().Name, decision.Rejection!));
            return;
        }
        PersistThen(decision.Events, () =>
        {
            journaled?.Invoke();
            replyTo.Tell(Status());
        });
    }

    /// <summary>
    /// A learner starting on a run that has steps behind it (a resume, or a standby taking over after the active
    /// learner's node died) rolls the ledger back to the last checkpoint. Work lost that way is a warning an operator
    /// sees without reading the journal: which node took over, from which step, and how many groups went back.
    /// </summary>
    private void OnRollback(RollbackToCheckpoint m)
    {
        var fromStep = ledger.LearnerStep;
        var decision = ledger.RollbackTo(m.LearnerStep);
        // The learner asks (a temporary actor): a local one has no address in its path, so it is this node's.
        var address = Sender.Path.Address.HasGlobalScope ? Sender.Path.Address : ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        var node = NodeActivityTally.NodeOf(address);
        Learner(m, decision, () =>
        {
            if (RollbackReport(node, fromStep, decision) is { } report) log.Warning("{0}", report);
            else log.Info("learner on {0} resumes at the checkpoint of step {1}; nothing to roll back", node, m.LearnerStep);
        });
    }

    /// <summary>
    /// The warning of an accepted rollback that undid something, or null when it undid nothing (the learner stopped
    /// right at its checkpoint with no group in flight).
    /// </summary>
    internal static string? RollbackReport(string learnerNode, long fromStep, CommandDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var to = decision.Events.OfType<RolledBackToCheckpoint>().Single().LearnerStep;
        var returned = decision.Events.Count(e => e is GroupDropped);
        return fromStep == to && returned == 0
            ? null
            : $"learner on {learnerNode} took over the run at step {fromStep}: rolled back to the checkpoint of step {to}, " +
              $"{returned} group(s) returned to the pool";
    }

    private void OnCheckLeases()
    {
        var expired = ledger.ExpireLeases(Now);
        foreach (var node in expired.OfType<GroupDropped>().Select(d => NodeActivityTally.NodeOf(ledger.Group(d.GroupId)?.Holder ?? "?"))
                     .GroupBy(n => n, StringComparer.Ordinal))
            log.Warning("{0} lease(s) held on node {1} passed their deadline: re-issued", node.Count(), node.Key);
        PersistThen(expired, () => { });
    }

    private void OnTerminated(Terminated t)
    {
        var holder = holders.FirstOrDefault(kv => kv.Value.Equals(t.ActorRef)).Key;
        if (holder is null) return;
        holders.Remove(holder);
        Reissue(holder, "terminated", ledger.HolderDied(holder));
    }

    private void OnIdentity(ActorIdentity identity)
    {
        if (identity.MessageId is not string holder) return;
        // The same path with another uid is a new incarnation: the one that held the lease is gone.
        if (identity.Subject is { } subject && HolderId(subject) == holder) Watch(holder, subject);
        else Reissue(holder, "is gone (not found after the coordinator recovered)", ledger.HolderDied(holder));
    }

    /// <summary>Journals the re-issue of a dead holder's leases, with one warning naming its node and the count.</summary>
    private void Reissue(string holder, string why, IReadOnlyList<ILedgerEvent> events)
    {
        if (events.Count > 0)
            log.Warning("lease holder {0} on node {1} {2}: {3} lease(s) re-issued", holder, NodeActivityTally.NodeOf(holder), why, events.Count);
        PersistThen(events, () => { });
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    /// <summary>
    /// Persists <paramref name="events"/> (one atomic write, in order), folds each into the ledger once it is stored,
    /// then runs <paramref name="then"/>: replies and watches happen only after the journal has the facts. With no
    /// events <c>DeferAsync</c> still orders <paramref name="then"/> after any persist in progress.
    /// </summary>
    private void PersistThen(IReadOnlyList<ILedgerEvent> events, Action then)
    {
        if (events.Count == 0)
        {
            DeferAsync(events, _ => then());
            return;
        }
        // A coordinator whose lease epoch is stale (it was frozen or cut off while another took over) must not write:
        // the events are not persisted, nobody gets a reply, and the actor stops; the singleton manager, told by the
        // lease that it was lost, does not start it again here.
        if (options.Fence?.Invoke() is { } fenced)
        {
            log.Error("coordinator fenced, {0} event(s) not written: {1}", events.Count, fenced);
            Context.Stop(Self);
            return;
        }
        // "then" runs from the last event's handler, not from PersistAll's completion callback: Akka 1.5.73 runs that
        // callback even when the journal rejects the write, which would hand out a lease that was never journaled.
        var remaining = events.Count;
        PersistAll(events, e =>
        {
            // A stale group dropped while a batch is assembled still has its trajectories: the rollout log keeps them
            // (its prompt index is read before the drop makes the ledger forget it).
            if (e is GroupDropped { Reason: DropReason.Stale } staleDrop && payloads.TryGetValue(staleDrop.GroupId, out var stale))
                droppedSinceBatch.Add(new DroppedGroup(stale, ledger.PromptIndexOf(staleDrop.GroupId) ?? -1, staleDrop.Reason));
            ledger.Apply(e);
            switch (e)
            {
                case GroupDropped d: payloads.Remove(d.GroupId); break;
                case LearnerStepCompleted s:
                    // The learner holds the step's batch; it will not ask for it again.
                    foreach (var id in ledger.ConsumedAt(s.LearnerStep)) payloads.Remove(id);
                    break;
            }
            if (++eventsSinceSnapshot >= options.SnapshotEvery)
            {
                SaveSnapshot(ledger.ToSnapshot());
                eventsSinceSnapshot = 0;
            }
            if (--remaining == 0) then();
        });
    }

    /// <summary>
    /// A failed write stops the coordinator (Akka's default) and its back-off supervisor starts it again. A failure that
    /// would repeat on every restart — a full disk under the journal — first ends the run with the cause.
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // Reported with its cause in one line: stopped without Akka's own error and stack trace.
        if (ReportIfRepeating(cause, $"{@event.GetType().Name} (sequence {sequenceNr})")) Context.Stop(Self);
        else base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <inheritdoc cref="OnPersistFailure" />
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        if (ReportIfRepeating(reason, "the recovery")) Context.Stop(Self);
        else base.OnRecoveryFailure(reason, message);
    }

    /// <summary>Ends the run when <paramref name="cause"/> would repeat on every restart (<see cref="JournalFaults"/>); whether it did.</summary>
    private bool ReportIfRepeating(Exception cause, string what)
    {
        var free = options.JournalPath is { } path ? Learning.DiskSpace.FreeBytes(path) : null;
        if (JournalFaults.Repeating(cause, what, options.JournalDescription, free) is not { } reason) return false;
        log.Error("{0}", reason);
        log.Debug("journal failure: {0}", cause);
        options.FailureListener?.Tell(new Learning.RunFailed(reason));
        return true;
    }

    /// <summary>
    /// A rejected write (e.g. an event the serializer refuses) changed nothing: the ledger did not apply it and nobody
    /// got a reply, so the requester asks again. The coordinator keeps running, unlike after a journal failure.
    /// </summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        log.Error(cause, "journal rejected {0} (sequence {1}); the ledger is unchanged", @event.GetType().Name, sequenceNr);
    }

    private void Watch(string holder, IActorRef actor)
    {
        if (holders.TryAdd(holder, actor)) Context.Watch(actor);
    }

    private static string HolderId(IActorRef actor) => Akka.Serialization.Serialization.SerializedActorPath(actor);

    private static bool IsWatchable(IActorRef actor) =>
        !actor.IsNobody() && actor is not DeadLetterActorRef && !actor.Path.Elements.FirstOrDefault("").Equals("temp", StringComparison.Ordinal);

    /// <summary>The lease timer's tick; local only.</summary>
    private sealed class CheckLeases : INoSerializationVerificationNeeded
    {
        public static CheckLeases Instance { get; } = new();
    }
}
