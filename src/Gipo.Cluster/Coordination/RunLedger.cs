using Gipo.Core.Algorithm.Admission;

namespace Gipo.Cluster.Coordination;

/// <summary>
/// The event-sourced state of a run's groups (docs/architecture.md "Persistence"; docs/algorithm.md §A.7, §A.8, §S),
/// with no Akka in it. Every group goes Issued → (Generated →) Scored → Consumed(step), or Dropped(reason).
/// <para>
/// Commands (<see cref="RequestWork"/>, <see cref="RecordResult"/>, <see cref="NextBatch"/>, …) only decide: they
/// return the events to persist and never change state. <see cref="Apply"/> folds an event and is the only mutator,
/// so the state after persisting a decision's events equals the state recovery rebuilds from the journal.
/// </para>
/// <para>
/// Work is tracked as prompt slots (a draw of the prompt order with its seed). Each slot drawn is at every moment in
/// exactly one place — the re-issue queue, one active group, or the fate of one finished group — which is what
/// "nothing issued is lost, nothing is trained twice" means.
/// </para>
/// </summary>
public sealed class RunLedger
{
    private readonly LedgerSettings settings;

    // Groups issued, generated or scored.
    private readonly Dictionary<long, GroupEntry> active = [];

    // Groups consumed at a step after the oldest checkpoint a resume may fall back to: a resume may still return them
    // to the pool.
    private readonly Dictionary<long, GroupEntry> recentConsumed = [];

    // Groups filtered once the learner had completed that checkpoint's step: a resume may return them too.
    private readonly Dictionary<long, GroupEntry> recentFiltered = [];

    // The committed checkpoints a resume may roll back to, oldest first (at most FallbackCheckpoints); the last is current.
    private readonly List<CheckpointCommitted> checkpoints = [];

    // Slots to issue again, before any fresh draw, oldest draw first.
    private readonly SortedDictionary<long, PromptSlot> requeue = [];

    // Live changes of the run's settings, in journal order (their effective steps never decrease).
    private readonly List<SettingsChanged> settingsChanges = [];

    private long nextGroupId = 1;
    private long nextSequence;
    private long nextScoredOrdinal;
    private long consumedCount;
    private long consumedSamples;
    private long filteredSamples;
    private DropCounts drops;

    /// <summary>A ledger at the start of a run.</summary>
    public RunLedger(LedgerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        this.settings = settings.Validate();
    }

    /// <summary>The run's parameters at its start (before any live change; see <see cref="SettingsAt"/>).</summary>
    public LedgerSettings Settings => settings;

    /// <summary>The live changes of the run's settings, in journal order.</summary>
    public IReadOnlyList<SettingsChanged> SettingsChanges => settingsChanges;

    /// <summary>The parameters in force at learner step <paramref name="learnerStep"/> (<see cref="LedgerSettings.InForceAt"/>).</summary>
    public LedgerSettings SettingsAt(long learnerStep) => settingsChanges.Count == 0 ? settings : settings.InForceAt(settingsChanges, learnerStep);

    /// <summary>The first learner step whose batch is not handed out yet: where a change accepted now takes effect.</summary>
    public long NextBoundary => StepsHandedOut + 1;

    /// <summary>The target steps in force for the next step (0 = unbounded).</summary>
    public long TargetSteps => SettingsAt(LearnerStep + 1).TargetSteps;

    /// <summary>The last learner step completed.</summary>
    public long LearnerStep { get; private set; }

    /// <summary>v^L: the learner's current policy version.</summary>
    public long PolicyVersion { get; private set; }

    /// <summary>
    /// How many of the newest committed checkpoints a resume may roll back to (<see cref="RollbackTo"/>): the current one
    /// and older ones to fall back to when it is missing or damaged. The ledger keeps the groups consumed since the oldest
    /// of them, so that their prompts can return to the pool.
    /// </summary>
    public const int FallbackCheckpoints = 3;

    /// <summary>The last checkpoint committed (the current one a resume loads), or null before the first.</summary>
    public CheckpointCommitted? LastCheckpoint => checkpoints.Count > 0 ? checkpoints[^1] : null;

    /// <summary>
    /// The committed checkpoints a resume may roll back to, oldest first: the newest <see cref="FallbackCheckpoints"/>,
    /// less those a rollback to an older one abandoned. The last is <see cref="LastCheckpoint"/>.
    /// </summary>
    public IReadOnlyList<CheckpointCommitted> Checkpoints => [.. checkpoints];

    /// <summary>The run reached its target steps (never when <see cref="LedgerSettings.TargetSteps"/> is 0).</summary>
    public bool Finished => TargetSteps > 0 && LearnerStep >= TargetSteps;

    /// <summary>The data cursor of the next fresh draw.</summary>
    public PromptCursor Cursor => PromptOrder.Cursor(nextSequence, settings.PromptCount);

    /// <summary>Groups issued since the run began (re-issues included: each is a new group).</summary>
    public long TotalIssued => nextGroupId - 1;

    /// <summary>Samples of consumed and filtered groups (§A.7 counts filtered samples as consumed).</summary>
    public long SamplesConsumed => consumedSamples + filteredSamples;

    /// <summary>Dropped groups by reason.</summary>
    public DropCounts Drops => drops;

    /// <summary>Prompt slots waiting to be issued again, oldest draw first.</summary>
    public IReadOnlyList<PromptSlot> Requeued => [.. requeue.Values];

    /// <summary>Groups by state.</summary>
    public GroupCounts Counts
    {
        get
        {
            long issued = 0, generated = 0, scored = 0;
            foreach (var g in active.Values)
            {
                switch (g.State)
                {
                    case GroupState.Issued: issued++; break;
                    case GroupState.Generated: generated++; break;
                    case GroupState.Scored: scored++; break;
                }
            }
            return new GroupCounts(issued, generated, scored, consumedCount, drops.Total);
        }
    }

    /// <summary>N_running: groups leased and not yet scored.</summary>
    public long Running => active.Values.LongCount(g => g.State is GroupState.Issued or GroupState.Generated);

    /// <summary>
    /// N_accepted of §A.8: groups scored and waiting, plus B for every learner step whose batch was handed out. A short
    /// batch (the max-gen-rounds cap of §A.7) still counts B, so admission stays (η + v + 1)·B and whatever is consumed
    /// has Δ ≤ η by construction; with full batches this is the groups scored and not dropped since.
    /// </summary>
    public long Accepted => active.Values.LongCount(g => g.State == GroupState.Scored) + GroupsThrough(StepsHandedOut);

    // The completed steps and, once its batch is handed out, the step being trained.
    private long StepsHandedOut => LearnerStep + (recentConsumed.Values.Any(g => g.Step == LearnerStep + 1) ? 1 : 0);

    /// <summary>
    /// How many more groups may be leased now: the §A.8 capacity
    /// max(0, min(max_concurrent − N_running, (η + v + 1)·B − N_accepted − N_running)), further capped by what the
    /// remaining target steps can consume, and 0 once the run is finished.
    /// </summary>
    public long Capacity
    {
        get
        {
            if (Finished) return 0;
            long running = Running, accepted = Accepted;
            var now = SettingsAt(NextBoundary);
            // §A.8's (η + v + 1)·B, with B summed step by step once a live change made it differ between steps.
            var capacity = settingsChanges.Count == 0
                ? AdmissionControl.Capacity(accepted, running, PolicyVersion, now.MaxStaleness, now.GroupsPerStep, now.MaxConcurrent)
                : Math.Max(0, Math.Min(now.MaxConcurrent - running, GroupsThrough(now.MaxStaleness + PolicyVersion + 1) - accepted - running));
            var target = TargetSteps;
            if (target > 0)
                capacity = Math.Min(capacity, Math.Max(0, GroupsThrough(target) - accepted - running));
            return capacity;
        }
    }

    /// <summary>Everything status output shows.</summary>
    public LedgerStatus Status => new(
        LearnerStep, PolicyVersion, TargetSteps, Finished, Counts, drops, Cursor, requeue.Count, TotalIssued,
        Capacity, SamplesConsumed, LastCheckpoint) { Checkpoints = Checkpoints };

    /// <summary>A group issued, generated or scored, or consumed/filtered after the last checkpoint; null otherwise.</summary>
    public GroupEntry? Group(long groupId) =>
        active.GetValueOrDefault(groupId) ?? recentConsumed.GetValueOrDefault(groupId) ?? recentFiltered.GetValueOrDefault(groupId);

    /// <summary>Groups issued, generated or scored, by group id.</summary>
    public IReadOnlyList<GroupEntry> ActiveGroups => [.. active.Values.OrderBy(g => g.GroupId)];

    /// <summary>Groups consumed after the last checkpoint, by group id.</summary>
    public IReadOnlyList<GroupEntry> RecentlyConsumed => [.. recentConsumed.Values.OrderBy(g => g.GroupId)];

    /// <summary>
    /// The prompt index (position in the run's prompt list) of group <paramref name="groupId"/> while the ledger still
    /// holds its entry (active, or consumed or filtered since the last checkpoint); null otherwise.
    /// </summary>
    public long? PromptIndexOf(long groupId) =>
        active.TryGetValue(groupId, out var a) ? a.Slot.PromptIndex
        : recentConsumed.TryGetValue(groupId, out var c) ? c.Slot.PromptIndex
        : recentFiltered.TryGetValue(groupId, out var f) ? f.Slot.PromptIndex
        : null;

    /// <summary>Who holds leases now (the coordinator watches them).</summary>
    public IReadOnlyList<string> LeaseHolders =>
        [.. active.Values.Where(IsLeased).Select(g => g.Holder).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The groups consumed at <paramref name="learnerStep"/> (if after the last checkpoint), in batch order.</summary>
    public IReadOnlyList<long> ConsumedAt(long learnerStep) =>
        [.. recentConsumed.Values.Where(g => g.Step == learnerStep).OrderBy(g => g.ScoredOrdinal).Select(g => g.GroupId)];

    // ------------------------------------------------------------------------------------------------ commands

    /// <summary>
    /// A sampler holding weights of <paramref name="samplerVersion"/> asks for a group. It gets one only if its
    /// weights are within η of the learner (and not ahead of it, as after a rollback) and admission control has room.
    /// Re-queued slots (expired, orphaned, stale, rolled back) go first, oldest draw first; then the cursor advances.
    /// </summary>
    public WorkDecision RequestWork(string holder, long samplerVersion, DateTime nowUtc)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        if (Finished) return Refuse($"run finished at learner step {LearnerStep}");
        if (samplerVersion > PolicyVersion)
            return Refuse($"sampler weights v{samplerVersion} are ahead of the learner's v{PolicyVersion} (a resume rolled back): " +
                          $"load v{PolicyVersion}");
        var now = SettingsAt(NextBoundary);
        var oldestAllowed = PolicyVersion - now.MaxStaleness;
        if (samplerVersion < oldestAllowed)
            return Refuse($"sampler weights v{samplerVersion} are staler than η={now.MaxStaleness} allows: load v{oldestAllowed} or newer");
        if (Capacity <= 0)
            return Refuse($"admission control: N_accepted={Accepted} + N_running={Running} has reached the limit of v={PolicyVersion}, " +
                          $"η={now.MaxStaleness}, B={now.GroupsPerStep}, max_concurrent={now.MaxConcurrent}");

        var slot = NextSlot();
        return new WorkDecision(
            new GroupIssued(nextGroupId, slot.Sequence, slot.PromptIndex, slot.Seed, PolicyVersion, samplerVersion, holder,
                            nowUtc + settings.LeaseDuration),
            null);

        static WorkDecision Refuse(string reason) => new(null, reason);
    }

    /// <summary>
    /// Group <paramref name="groupId"/> is generated and <paramref name="holder"/> (typically the scorer) holds it now,
    /// with a fresh deadline. Ignored unless the group is still merely issued.
    /// </summary>
    public IReadOnlyList<ILedgerEvent> GenerationDone(long groupId, string holder, DateTime nowUtc)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        return active.TryGetValue(groupId, out var g) && g.State == GroupState.Issued
            ? [new GroupGenerated(groupId, holder, nowUtc + settings.LeaseDuration)]
            : [];
    }

    /// <summary>
    /// A scored result for <paramref name="groupId"/>. Idempotent by group id: a result counts only while its group is
    /// issued or generated, so a duplicate, or a late result for a lease that was re-issued because its holder was slow,
    /// has no effect. Under dynamic sampling a non-informative group is scored and then dropped as filtered.
    /// </summary>
    public ResultDecision RecordResult(long groupId, GroupOutcome outcome)
    {
        if (!active.TryGetValue(groupId, out var g))
        {
            var why = groupId < 1 || groupId >= nextGroupId ? "was never issued"
                : recentConsumed.ContainsKey(groupId) ? "is already consumed"
                : "is no longer active (re-issued, dropped or consumed)";
            return new ResultDecision(ResultOutcome.Ignored, $"group {groupId} {why}", []);
        }
        if (g.State == GroupState.Scored) return new ResultDecision(ResultOutcome.Ignored, $"group {groupId} is already scored", []);
        if (outcome.Samples != settings.GroupSize)
            return new ResultDecision(ResultOutcome.Rejected, $"group {groupId} has {outcome.Samples} samples; " +
                                                              $"the run's group size is {settings.GroupSize}", []);
        if (outcome.MinVersion < 0 || outcome.MinVersion > PolicyVersion)
            return new ResultDecision(ResultOutcome.Rejected, $"group {groupId} claims behaviour version {outcome.MinVersion}; " +
                                                              $"the learner is at v{PolicyVersion}", []);
        if (!double.IsFinite(outcome.RewardMean))
            return new ResultDecision(ResultOutcome.Rejected, $"group {groupId} has a non-finite reward mean", []);

        var scored = new GroupScored(groupId, outcome.MinVersion, outcome.Informative, outcome.Samples, outcome.RewardMean);
        return settings.DynamicSampling && !outcome.Informative
            ? new ResultDecision(ResultOutcome.Filtered, $"group {groupId} is not informative (dynamic sampling)",
                                 [scored, new GroupDropped(groupId, DropReason.Filtered)])
            : new ResultDecision(ResultOutcome.Accepted, $"group {groupId} scored", [scored]);
    }

    /// <summary>
    /// The batch of learner step <paramref name="learnerStep"/> (the next one): the first B scored groups in arrival
    /// order whose payload the caller still holds (<paramref name="isBuffered"/>) and that pass the §A.8 consumption
    /// guard. On the way, a group with Δ &gt; η is dropped whole and its prompt re-queued at the head; a group whose
    /// payload is gone (the coordinator restarted) is dropped and re-issued. Asking again for a step whose batch was
    /// handed out returns the same groups, or, when their payloads are gone, returns them to the pool and assembles anew.
    /// <para>
    /// Under dynamic sampling with <see cref="LedgerSettings.MaxGenRounds"/> &gt; 0, a batch still short of B once
    /// MaxGenRounds·B groups were examined for the step (§A.7) is handed out with the groups accepted so far; with none
    /// accepted the step keeps waiting and takes the first group accepted after that. Either way
    /// <see cref="BatchDecision.CapReached"/> says so. The groups examined for the step are, in scoring order, those
    /// filtered since the learner completed the previous step and the usable scored ones: a function of the ledger's
    /// state, so replaying the journal needs nothing more.
    /// </para>
    /// </summary>
    public BatchDecision NextBatch(long learnerStep, Func<long, bool> isBuffered)
    {
        ArgumentNullException.ThrowIfNull(isBuffered);
        if (Finished) return new BatchDecision(BatchOutcome.Rejected, [], [], $"run finished at learner step {LearnerStep}");
        if (learnerStep != LearnerStep + 1)
            return new BatchDecision(BatchOutcome.Rejected, [], [], $"step {learnerStep} is not the next learner step ({LearnerStep + 1})");

        var events = new List<ILedgerEvent>();
        var handedOut = ConsumedAt(learnerStep);
        if (handedOut.Count > 0)
        {
            if (handedOut.All(isBuffered)) return new BatchDecision(BatchOutcome.Ready, handedOut, [], $"batch of step {learnerStep} again");
            events.AddRange(handedOut.Select(id => new GroupDropped(id, DropReason.ResumedRollback)));
        }

        // The §A.7 FIFO in scoring order: the groups dynamic sampling filtered since the learner completed the previous
        // step (they carry that step) are examined too, so the cap is reached at the same point of the order whatever
        // the moment the learner asks.
        var step = SettingsAt(learnerStep);
        var b = step.GroupsPerStep;
        var cap = settings.DynamicSampling && settings.MaxGenRounds > 0 ? (long)settings.MaxGenRounds * b : long.MaxValue;
        var filtered = settings.DynamicSampling ? recentFiltered.Values.Where(g => g.Step == LearnerStep) : [];
        var taken = new List<long>(b);
        long examined = 0;
        foreach (var g in active.Values.Where(g => g.State == GroupState.Scored).Concat(filtered).OrderBy(g => g.ScoredOrdinal))
        {
            if (g.State != GroupState.Scored)
                examined++;
            else if (!isBuffered(g.GroupId))
                events.Add(new GroupDropped(g.GroupId, DropReason.ResumedRollback));
            else if (IsStale(g, step.MaxStaleness))
                events.Add(new GroupDropped(g.GroupId, DropReason.Stale));
            else
            {
                taken.Add(g.GroupId);
                examined++;
            }
            // With none accepted at the cap the step keeps going, and takes the first group accepted after it.
            if (taken.Count == b || (examined >= cap && taken.Count > 0)) break;
        }

        var capReached = examined >= cap && taken.Count < b;
        var counts = $"dynamic sampling examined {examined} groups for step {learnerStep} and accepted {taken.Count} of {b}";
        // Rounds of B groups examined with none kept: every one was filtered (all rewards equal within each group).
        var emptyRounds = settings.DynamicSampling && taken.Count == 0 ? examined / b : 0;
        if (emptyRounds > 0)
        {
            var none = $"no group kept for step {learnerStep}: dynamic sampling filtered all {examined} groups scored since step {LearnerStep} " +
                       $"({emptyRounds} round{(emptyRounds > 1 ? "s" : "")} of B = {b}); every group's rewards were equal " +
                       $"(all 0 or all 1: a verifier " +
                       "that never matches, answers the model cannot produce, a task far too hard or too easy for it)" +
                       (capReached ? $"; max-gen-rounds = {settings.MaxGenRounds} reached with none accepted" : "");
            var exhausted = settings.MaxEmptyRounds > 0 && emptyRounds >= settings.MaxEmptyRounds;
            var why = exhausted
                ? $"{none}; max-empty-rounds = {settings.MaxEmptyRounds} reached, the run ends (gipo.algorithm.dynamic-sampling.max-empty-rounds)"
                : $"{none}; still " +
                  $"generating{(settings.MaxEmptyRounds > 0 ? $", the run ends after max-empty-rounds = {settings.MaxEmptyRounds}" : "")}";
            return new BatchDecision(BatchOutcome.NotEnough, [], events, why)
            {
                Examined = examined, CapReached = capReached, EmptyRounds = emptyRounds, Exhausted = exhausted,
            };
        }
        if (taken.Count == b || (capReached && taken.Count > 0))
        {
            events.AddRange(taken.Select(id => new GroupConsumed(id, learnerStep)));
            return capReached
                ? new BatchDecision(BatchOutcome.Ready, taken, events, $"{counts}: max-gen-rounds = {settings.MaxGenRounds} " +
                                                                       $"reached, training on those")
                {
                    Examined = examined, CapReached = true,
                }
                : new BatchDecision(BatchOutcome.Ready, taken, events, $"batch of step {learnerStep}");
        }
        var reason = !settings.DynamicSampling ? $"{taken.Count} of {b} groups ready for step {learnerStep}"
            : capReached ? $"{counts}: max-gen-rounds = {settings.MaxGenRounds} reached with none accepted, still waiting"
            : $"{counts} so far";
        return new BatchDecision(BatchOutcome.NotEnough, [], events, reason) { Examined = examined, CapReached = capReached };
    }

    /// <summary>The learner finished <paramref name="learnerStep"/> (whose batch it got) at <paramref name="policyVersion"/>. A repeat is a
    /// no-op.</summary>
    public CommandDecision CompleteStep(long learnerStep, long policyVersion)
    {
        if (learnerStep == LearnerStep && policyVersion == PolicyVersion) return new CommandDecision([], null);
        if (learnerStep != LearnerStep + 1) return Reject($"step {learnerStep} is not the next learner step ({LearnerStep + 1})");
        if (ConsumedAt(learnerStep).Count == 0) return Reject($"no batch was handed out for step {learnerStep}");
        if (policyVersion < PolicyVersion) return Reject($"policy version {policyVersion} is older than the current v{PolicyVersion}");
        return new CommandDecision([new LearnerStepCompleted(learnerStep, policyVersion)], null);
    }

    /// <summary>
    /// The learner's checkpoint of <paramref name="learnerStep"/> is committed (files renamed into place). From now on
    /// a resume returns to it, so groups consumed or filtered before it are final. A repeat is a no-op.
    /// </summary>
    public CommandDecision CommitCheckpoint(long learnerStep, long policyVersion, string path, string sha256)
    {
        if (string.IsNullOrEmpty(path)) return Reject("a checkpoint needs its manifest path");
        if (string.IsNullOrEmpty(sha256)) return Reject("a checkpoint needs its manifest hash");
        var checkpoint = new CheckpointCommitted(learnerStep, policyVersion, path, sha256);
        if (LastCheckpoint is { } last)
        {
            if (last == checkpoint) return new CommandDecision([], null);
            if (learnerStep <= last.LearnerStep)
                return Reject($"checkpoint of step {learnerStep} is not newer than the committed one of step {last.LearnerStep}");
        }
        if (learnerStep < 1 || learnerStep > LearnerStep)
            return Reject($"step {learnerStep} is not a completed learner step (last completed: {LearnerStep})");
        if (policyVersion < 0 || policyVersion > PolicyVersion)
            return Reject($"policy version {policyVersion} is not one the learner has had (current v{PolicyVersion})");
        return new CommandDecision([checkpoint], null);
    }

    /// <summary>
    /// Resume from the committed checkpoint of <paramref name="learnerStep"/>: the last one, or an older one of
    /// <see cref="Checkpoints"/> when the learner found the newer ones missing or damaged (or was told to start from
    /// it); step 0 when none is committed. Every group in flight or scored, every group consumed at a later step and
    /// every group filtered after that step returns its prompt slot to the queue; then the learner step and policy
    /// version become the checkpoint's, and the newer checkpoints are abandoned. Afterwards N_running = 0 and
    /// N_accepted = (consumed groups) — <see cref="AdmissionControl.ResumeCounters"/> when each step consumed B.
    /// </summary>
    public CommandDecision RollbackTo(long learnerStep)
    {
        if (checkpoints.Count == 0 && learnerStep != 0)
            return Reject($"no checkpoint is committed: a resume starts from step 0, not {learnerStep}");
        var checkpoint = checkpoints.LastOrDefault(c => c.LearnerStep == learnerStep);
        if (checkpoints.Count > 0 && checkpoint is null)
            return Reject($"the last committed checkpoint is of step {LastCheckpoint!.LearnerStep}, not {learnerStep}" +
                          (checkpoints.Count > 1 ? $" (the run can roll back to the checkpoints of steps " +
                                                   $"{string.Join(", ", checkpoints.Select(c => c.LearnerStep))})" : ""));
        var target = checkpoint?.LearnerStep ?? 0;

        var undone = active.Values
            .Concat(recentConsumed.Values.Where(g => g.Step > target))
            .Concat(recentFiltered.Values.Where(g => g.Step >= target))
            .OrderBy(g => g.GroupId)
            .Select(ILedgerEvent (g) => new GroupDropped(g.GroupId, DropReason.ResumedRollback));
        return new CommandDecision([.. undone, new RolledBackToCheckpoint(target, checkpoint?.PolicyVersion ?? 0)], null);
    }

    /// <summary>
    /// A live change of the run's settings (<c>gipo set</c>), taking effect at <see cref="NextBoundary"/>. A request id
    /// already journaled is answered with its event and nothing new; a run that has handed out its last step's batch
    /// refuses every change; the ledger checks its own keys (η ≥ 0, B ≥ 1, target steps not before the change), and
    /// <paramref name="validate"/> (the start-up validation of every setting, given the journaled changes and the
    /// candidate event) may refuse it with a reason. Nothing is decided twice: the event carries the effective step.
    /// </summary>
    public SettingsDecision ChangeSettings(string requestId, IReadOnlyList<SettingChange> changes,
        Func<IReadOnlyList<SettingsChanged>, SettingsChanged, string?>? validate = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        ArgumentNullException.ThrowIfNull(changes);
        if (settingsChanges.FirstOrDefault(c => c.RequestId == requestId) is { } journaled) return new SettingsDecision(journaled, true, null);
        if (changes.Count == 0) return SettingsDecision.Refused("no change given");
        var effective = NextBoundary;
        var target = SettingsAt(effective).TargetSteps;
        if (Finished || (target > 0 && effective > target))
            return SettingsDecision.Refused($"the run ends with step {target}, whose batch is handed out already: nothing can change any more");
        // A plain array: the event may be serialized by more than the journal's codec (test-time message verification).
        var candidate = new SettingsChanged(requestId, effective, changes.ToArray());
        LedgerSettings next;
        try
        {
            next = settings.InForceAt([.. settingsChanges, candidate], effective);
            next.Validate();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return SettingsDecision.Refused(e.Message);
        }
        if (next.TargetSteps > 0 && next.TargetSteps < effective)
            return SettingsDecision.Refused($"run.steps = {next.TargetSteps} would end the run before step {effective}, " +
                                            $"where the change takes effect");
        if (validate?.Invoke(settingsChanges, candidate) is { } reason) return SettingsDecision.Refused(reason);
        return new SettingsDecision(candidate, false, null);
    }

    /// <summary>Leases past their deadline at <paramref name="nowUtc"/>: dropped, and their slots issued again (same prompt, same seed).</summary>
    public IReadOnlyList<ILedgerEvent> ExpireLeases(DateTime nowUtc) =>
        [.. active.Values.Where(g => IsLeased(g) && g.DeadlineUtc <= nowUtc).OrderBy(g => g.GroupId)
            .Select(g => new GroupDropped(g.GroupId, DropReason.LeaseExpiredReissued))];

    /// <summary>
    /// <paramref name="holder"/> terminated (DeathWatch): all its leases are dropped and their slots issued again at
    /// once, not only when their deadlines pass.
    /// </summary>
    public IReadOnlyList<ILedgerEvent> HolderDied(string holder) =>
        [.. active.Values.Where(g => IsLeased(g) && string.Equals(g.Holder, holder, StringComparison.Ordinal)).OrderBy(g => g.GroupId)
            .Select(g => new GroupDropped(g.GroupId, DropReason.SamplerDiedReissued))];

    // ------------------------------------------------------------------------------------------------ events

    /// <summary>
    /// Folds one event. Throws <see cref="InvalidOperationException"/> when the event does not fit the state (a corrupt
    /// journal, or settings that differ from those the run was started with), so recovery fails instead of drifting.
    /// </summary>
    public void Apply(ILedgerEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e)
        {
            case GroupIssued x: ApplyIssued(x); break;
            case GroupGenerated x:
                {
                    var g = ActiveIn(x.GroupId, GroupState.Issued);
                    active[x.GroupId] = g with { State = GroupState.Generated, Holder = x.Holder, DeadlineUtc = x.DeadlineUtc };
                    break;
                }
            case GroupScored x:
                {
                    var g = ActiveIn(x.GroupId, GroupState.Issued, GroupState.Generated);
                    var outcome = new GroupOutcome(x.MinVersion, x.Informative, x.Samples, x.RewardMean);
                    active[x.GroupId] = g with { State = GroupState.Scored, Outcome = outcome, ScoredOrdinal = nextScoredOrdinal++ };
                    break;
                }
            case GroupConsumed x:
                {
                    var g = ActiveIn(x.GroupId, GroupState.Scored);
                    active.Remove(x.GroupId);
                    recentConsumed[x.GroupId] = g with { State = GroupState.Consumed, Step = x.LearnerStep };
                    consumedCount++;
                    consumedSamples += g.Outcome!.Value.Samples;
                    break;
                }
            case GroupDropped x: ApplyDropped(x); break;
            case LearnerStepCompleted x:
                LearnerStep = x.LearnerStep;
                PolicyVersion = x.PolicyVersion;
                break;
            case CheckpointCommitted x:
                {
                    checkpoints.Add(x);
                    if (checkpoints.Count > FallbackCheckpoints) checkpoints.RemoveAt(0);
                    // Nothing can return from before the oldest checkpoint a resume may still fall back to: keep only
                    // counters for those groups.
                    var oldest = checkpoints[0].LearnerStep;
                    foreach (var id in recentConsumed.Values.Where(g => g.Step <= oldest).Select(g => g.GroupId).ToList()) recentConsumed.Remove(id);
                    foreach (var id in recentFiltered.Values.Where(g => g.Step < oldest).Select(g => g.GroupId).ToList()) recentFiltered.Remove(id);
                    break;
                }
            case SettingsChanged x:
                if (settingsChanges.Any(c => c.RequestId == x.RequestId)) throw Corrupt($"settings request {x.RequestId} journaled twice");
                if (settingsChanges.Count > 0 && x.EffectiveStep < settingsChanges[^1].EffectiveStep)
                    throw Corrupt($"settings change effective at step {x.EffectiveStep} after one effective at step " +
                                  $"{settingsChanges[^1].EffectiveStep}");
                settingsChanges.Add(x);
                break;
            case RolledBackToCheckpoint x:
                // Live changes keep their effective steps: the repeated steps run with the settings they had.
                if (active.Count > 0) throw Corrupt($"rollback to step {x.LearnerStep} with {active.Count} groups still active");
                if (x.LearnerStep > 0 && checkpoints.Count > 0 && checkpoints.All(c => c.LearnerStep != x.LearnerStep))
                    throw Corrupt($"rollback to step {x.LearnerStep}, which is not a committed checkpoint the run could roll back to");
                // A rollback to an older checkpoint (the newer one was missing or damaged) abandons the newer ones.
                checkpoints.RemoveAll(c => c.LearnerStep > x.LearnerStep);
                LearnerStep = x.LearnerStep;
                PolicyVersion = x.PolicyVersion;
                break;
            default:
                throw new InvalidOperationException($"unknown ledger event {e.GetType().Name}");
        }
    }

    /// <summary>Applies <paramref name="events"/> in order.</summary>
    public void ApplyAll(IEnumerable<ILedgerEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events) Apply(e);
    }

    /// <summary>A ledger rebuilt from <paramref name="events"/>, on top of <paramref name="snapshot"/> when given.</summary>
    public static RunLedger Replay(LedgerSettings settings, IEnumerable<ILedgerEvent> events, LedgerSnapshot? snapshot = null)
    {
        var ledger = snapshot is null ? new RunLedger(settings) : FromSnapshot(settings, snapshot);
        ledger.ApplyAll(events);
        return ledger;
    }

    /// <summary>The whole state, with every collection in a canonical order (equal states give equal snapshots).</summary>
    public LedgerSnapshot ToSnapshot() => new(
        nextGroupId, nextSequence, nextScoredOrdinal, LearnerStep, PolicyVersion, consumedCount, consumedSamples,
        filteredSamples, drops, LastCheckpoint, [.. requeue.Values], ActiveGroups, RecentlyConsumed,
        [.. recentFiltered.Values.OrderBy(g => g.GroupId)], [.. settingsChanges]) { Checkpoints = [.. checkpoints] };

    /// <summary>The ledger a snapshot describes.</summary>
    public static RunLedger FromSnapshot(LedgerSettings settings, LedgerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var ledger = new RunLedger(settings)
        {
            nextGroupId = snapshot.NextGroupId,
            nextSequence = snapshot.NextSequence,
            nextScoredOrdinal = snapshot.NextScoredOrdinal,
            LearnerStep = snapshot.LearnerStep,
            PolicyVersion = snapshot.PolicyVersion,
            consumedCount = snapshot.ConsumedCount,
            consumedSamples = snapshot.ConsumedSamples,
            filteredSamples = snapshot.FilteredSamples,
            drops = snapshot.Drops,
        };
        // Snapshots before the fallback (sld2 and older) name only the current checkpoint.
        if (snapshot.Checkpoints is { Count: > 0 } list) ledger.checkpoints.AddRange(list);
        else if (snapshot.LastCheckpoint is { } last) ledger.checkpoints.Add(last);
        foreach (var s in snapshot.Requeue) ledger.requeue.Add(s.Sequence, s);
        foreach (var g in snapshot.Active) ledger.active.Add(g.GroupId, g);
        foreach (var g in snapshot.RecentConsumed) ledger.recentConsumed.Add(g.GroupId, g);
        foreach (var g in snapshot.RecentFiltered) ledger.recentFiltered.Add(g.GroupId, g);
        ledger.settingsChanges.AddRange(snapshot.SettingsChanges ?? []);
        return ledger;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static bool IsLeased(GroupEntry g) => g.State is GroupState.Issued or GroupState.Generated;

    private bool IsStale(GroupEntry g, int maxStaleness) =>
        ConsumptionGuard.Check(Staleness.GroupStaleness(PolicyVersion, [g.Outcome!.Value.MinVersion]), maxStaleness)
        == ConsumptionDecision.DropStale;

    /// <summary>Σ B over learner steps 1..<paramref name="step"/>, each step with the B in force at it.</summary>
    private long GroupsThrough(long step)
    {
        if (step <= 0) return 0;
        if (settingsChanges.Count == 0) return step * settings.GroupsPerStep;
        long total = 0, from = 1;
        var b = settings.GroupsPerStep;
        foreach (var change in settingsChanges)
        {
            if (change.EffectiveStep > step) break;
            if (change.Changes.FirstOrDefault(c => c.Key == Configuration.LiveSettings.GroupsPerStep) is null) continue;
            var at = Math.Max(from, change.EffectiveStep);
            total += (at - from) * b;
            from = at;
            b = SettingsAt(at).GroupsPerStep;
        }
        return total + (step - from + 1) * b;
    }

    private PromptSlot NextSlot() =>
        requeue.Count > 0 ? requeue.First().Value : PromptOrder.Slot(nextSequence, settings.PromptCount, settings.RunSeed);

    private static CommandDecision Reject(string reason) => new([], reason);

    private static InvalidOperationException Corrupt(string what) => new($"ledger event does not fit the state: {what}");

    private GroupEntry ActiveIn(long groupId, params GroupState[] states)
    {
        if (!active.TryGetValue(groupId, out var g)) throw Corrupt($"group {groupId} is not active");
        if (!states.Contains(g.State)) throw Corrupt($"group {groupId} is {g.State}, expected {string.Join(" or ", states)}");
        return g;
    }

    private void ApplyIssued(GroupIssued x)
    {
        if (x.GroupId != nextGroupId) throw Corrupt($"issued group {x.GroupId}, expected id {nextGroupId}");
        var expected = NextSlot();
        if (new PromptSlot(x.Sequence, x.PromptIndex, x.Seed) != expected)
            throw Corrupt($"group {x.GroupId} took slot ({x.Sequence}, prompt {x.PromptIndex}, seed {x.Seed}) but the next is " +
                          $"({expected.Sequence}, prompt {expected.PromptIndex}, seed {expected.Seed}): were the run seed or prompt count changed?");
        if (requeue.Count > 0) requeue.Remove(expected.Sequence);
        else nextSequence++;
        nextGroupId++;
        active[x.GroupId] =
            new GroupEntry(x.GroupId, expected, GroupState.Issued, x.PolicyVersion, x.SamplerVersion, x.LeaseHolder, x.DeadlineUtc, null, 0, 0);
    }

    private void ApplyDropped(GroupDropped x)
    {
        if (active.Remove(x.GroupId, out var g))
        {
            if (x.Reason == DropReason.Filtered)
            {
                if (g.State != GroupState.Scored) throw Corrupt($"group {x.GroupId} filtered while {g.State}");
                recentFiltered[x.GroupId] = g with { State = GroupState.Dropped, Step = LearnerStep };
                filteredSamples += g.Outcome!.Value.Samples;
            }
            else if (x.Reason == DropReason.Stale && g.State != GroupState.Scored)
                throw Corrupt($"group {x.GroupId} dropped as stale while {g.State}");
        }
        else if (x.Reason != DropReason.ResumedRollback)
            throw Corrupt($"group {x.GroupId} dropped ({x.Reason}) but it is not active");
        else if (recentConsumed.Remove(x.GroupId, out g))
        {
            // The learner never kept this step: the consumption is undone and the prompt trained again later.
            consumedCount--;
            consumedSamples -= g.Outcome!.Value.Samples;
        }
        else if (recentFiltered.Remove(x.GroupId, out g))
        {
            // Filtered after the checkpoint: regenerate it so a resumed run draws what an uninterrupted one drew.
            drops = drops.Add(DropReason.Filtered, -1);
            filteredSamples -= g.Outcome!.Value.Samples;
        }
        else throw Corrupt($"group {x.GroupId} rolled back but it is neither active nor consumed/filtered after the checkpoint");

        drops = drops.Add(x.Reason, 1);
        if (x.Reason.Requeues()) requeue.Add(g.Slot.Sequence, g.Slot);
    }
}
