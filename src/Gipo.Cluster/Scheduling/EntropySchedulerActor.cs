using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Gipo.Cluster.Serialization;
using Gipo.Core.Algorithm.Entropy;

namespace Gipo.Cluster.Scheduling;

/// <summary>
/// The run's persistent entropy scheduler (§B.8): the learner sends each step's <see cref="EntropyStats"/>
/// (<see cref="UpdateEntropy"/>), the actor applies them with <see cref="EntropyScheduler.Update"/>, journals the
/// statistics and the resulting coefficients as one <see cref="EntropyUpdated"/>, and only then replies with the
/// coefficients. Recovery re-applies the journaled statistics (the scheduler is deterministic) and requires the
/// recomputed coefficients to equal the journaled ones, so a changed config fails recovery instead of silently
/// resuming different multipliers. Snapshots hold the state's JSON and config hash.
/// <para>
/// A resume from the learner's checkpoint of step k sends <see cref="RestoreScheduler"/> with the state the checkpoint
/// holds; the journal may already hold steps after k. The actor checks the state's config hash and K_B, journals an
/// <see cref="EntropySchedulerRestored"/>, replaces its state and forgets the last update, so step k + 1 is applied as
/// new (and gives what it gave the first time). Recovery applies that event as journaled. Protocol:
/// <c>EntropySchedulerProtocol.cs</c>.
/// </para>
/// </summary>
public sealed class EntropySchedulerActor : ReceivePersistentActor
{
    private readonly string runId;
    private readonly int numBuckets;
    private readonly int snapshotEvery;
    private readonly string configHash;
    private readonly EntropySchedulerConfig baseConfig;
    private readonly ILoggingAdapter log = Context.GetLogger();

    private EntropyScheduler scheduler;
    private EntropyUpdated? last;
    private int eventsSinceSnapshot;

    /// <summary>Use <see cref="Props"/>.</summary>
    public EntropySchedulerActor(string runId, EntropySchedulerConfig config, int numBuckets, int snapshotEvery)
    {
        this.runId = runId;
        this.numBuckets = numBuckets;
        this.snapshotEvery = snapshotEvery;
        configHash = EntropySchedulerJson.ConfigHash(config);
        baseConfig = config;
        scheduler = EntropyScheduler.Create(config, numBuckets);
        PersistenceId = PersistenceIdFor(runId);

        Recover<SnapshotOffer>(offer => RecoverSnapshot((EntropySchedulerSnapshot)offer.Snapshot));
        Recover<EntropyUpdated>(RecoverEvent);
        Recover<EntropySchedulerRestored>(RecoverRestored);
        Recover<EntropySchedulerReconfigured>(RecoverReconfigured);

        Command<UpdateEntropy>(OnUpdate);
        Command<RestoreScheduler>(OnRestore);
        Command<GetSchedulerState>(_ => Sender.Tell(new EntropySchedulerStatus(this.runId, scheduler.State, configHash)));
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f =>
            log.Warning(f.Cause, "entropy-scheduler snapshot at {0} failed; recovery replays more events", f.Metadata.SequenceNr));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => log.Warning(f.Cause, "deleting old entropy-scheduler snapshots failed"));
    }

    /// <summary>Props for the entropy scheduler of run <paramref name="runId"/>.</summary>
    /// <param name="numBuckets">K_B; the learner's statistics must have this many buckets.</param>
    /// <param name="snapshotEvery">Save a snapshot after this many events (recovery replays at most that many).</param>
    public static Props Props(string runId, EntropySchedulerConfig config, int numBuckets, int snapshotEvery)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (numBuckets < 1) throw new ArgumentOutOfRangeException(nameof(numBuckets), numBuckets, "K_B must be >= 1");
        if (snapshotEvery < 1) throw new ArgumentOutOfRangeException(nameof(snapshotEvery), snapshotEvery, "snapshotEvery must be >= 1");
        return Akka.Actor.Props.Create(() => new EntropySchedulerActor(runId, config, numBuckets, snapshotEvery));
    }

    /// <summary>The fixed persistence id of run <paramref name="runId"/>'s entropy scheduler.</summary>
    public static string PersistenceIdFor(string runId) => $"run-{runId}-entropy-scheduler";

    /// <inheritdoc />
    public override string PersistenceId { get; }

    // ------------------------------------------------------------------------------------------------ recovery

    private void RecoverSnapshot(EntropySchedulerSnapshot snapshot)
    {
        if (snapshot.ConfigHash != configHash)
        {
            throw new InvalidOperationException(
                $"entropy scheduler of run '{runId}': the snapshot was taken under config hash {snapshot.ConfigHash}, " +
                $"this incarnation has config hash {configHash}; the scheduler config changed since the run started");
        }
        var state = EntropySchedulerJson.Deserialize(snapshot.StateJson);
        if (state.NumBuckets != numBuckets)
        {
            throw new InvalidOperationException(
                $"entropy scheduler of run '{runId}' (config hash {configHash}): the snapshot has K_B = {state.NumBuckets}, " +
                $"this incarnation K_B = {numBuckets}");
        }
        scheduler = EntropyScheduler.FromState(state);
        last = snapshot.Last;
        eventsSinceSnapshot = 0;
    }

    private void RecoverEvent(EntropyUpdated e)
    {
        EntropyCoefficients recomputed;
        try
        {
            recomputed = scheduler.Update(e.Stats);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException(
                $"entropy scheduler of run '{runId}' (config hash {configHash}, K_B = {numBuckets}): " +
                $"journaled step {e.Stats.LearnerStep} no longer applies: {ex.Message}", ex);
        }
        if (!SameCoefficients(recomputed, e.Coefficients))
        {
            throw new InvalidOperationException(
                $"entropy scheduler of run '{runId}': replaying step {e.Stats.LearnerStep} under config hash {configHash} gives other coefficients " +
                $"than the journaled ones; the scheduler config (or its code) changed since they were journaled");
        }
        last = e;
        eventsSinceSnapshot++;
    }

    private void RecoverRestored(EntropySchedulerRestored e)
    {
        if (e.ConfigHash != configHash)
        {
            throw new InvalidOperationException(
                $"entropy scheduler of run '{runId}': the restore to learner step {e.LearnerStep} was journaled under config hash {e.ConfigHash}, " +
                $"this incarnation has config hash {configHash}; the scheduler config changed since the run started");
        }
        if (RestoredState(e.LearnerStep, e.StateJson, out var state) is { } problem)
        {
            throw new InvalidOperationException(
                $"entropy scheduler of run '{runId}' (config hash {configHash}, K_B = {numBuckets}): " +
                $"the journaled restore no longer applies: {problem}");
        }
        scheduler = EntropyScheduler.FromState(state!);
        last = null;
        eventsSinceSnapshot++;
    }

    private void RecoverReconfigured(EntropySchedulerReconfigured e)
    {
        try
        {
            scheduler.Reconfigure(EntropySchedulerJson.DeserializeConfig(e.ConfigJson));
        }
        catch (Exception ex) when (ex is ArgumentException or System.Text.Json.JsonException)
        {
            throw new InvalidOperationException(
                $"entropy scheduler of run '{runId}' (config hash {configHash}): the live change journaled for learner step {e.LearnerStep} no " +
                $"longer applies: {ex.Message}", ex);
        }
        eventsSinceSnapshot++;
    }

    // ------------------------------------------------------------------------------------------------ commands

    private void OnRestore(RestoreScheduler m)
    {
        var replyTo = Sender;
        if (RestoredState(m.LearnerStep, m.StateJson, out var state) is { } problem)
        {
            replyTo.Tell(new SchedulerRestoreRejected(m.LearnerStep, problem));
            return;
        }
        if (last is not null && m.LearnerStep > last.Stats.LearnerStep)
        {
            log.Warning("restoring learner step {0}, after the last journaled step {1}: the checkpoint's state wins", m.LearnerStep,
                        last.Stats.LearnerStep);
        }
        Persist(new EntropySchedulerRestored(m.LearnerStep, m.StateJson, configHash), e =>
        {
            scheduler = EntropyScheduler.FromState(state!);
            last = null;
            log.Info("entropy scheduler of run '{0}' restored to the state after learner step {1}", runId, e.LearnerStep);
            if (++eventsSinceSnapshot >= snapshotEvery)
            {
                SaveSnapshot(new EntropySchedulerSnapshot(EntropySchedulerJson.Serialize(scheduler.State), configHash, last));
                eventsSinceSnapshot = 0;
            }
            replyTo.Tell(new EntropySchedulerStatus(runId, scheduler.State, configHash));
        });
    }

    /// <summary>
    /// Parses and checks a state to restore: valid JSON of a valid state, this incarnation's config hash and K_B, and the
    /// state of <paramref name="learnerStep"/> (a fresh state, learner step −1, stands for step 0). Null when it fits,
    /// else the problem.
    /// </summary>
    private string? RestoredState(long learnerStep, string? json, out EntropySchedulerState? state)
    {
        state = null;
        if (string.IsNullOrEmpty(json)) return "no state";
        EntropySchedulerState parsed;
        try
        {
            parsed = EntropySchedulerJson.Deserialize(json);
            EntropyScheduler.FromState(parsed); // validates layout and values
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or NotSupportedException)
        {
            return $"malformed scheduler state: {e.Message}";
        }
        // A live change (gipo set) may have changed the targets, u, η_λ or λ_max since the start; nothing else may differ.
        if (!parsed.Config.SameStructure(baseConfig))
            return $"the state's config hash is {EntropySchedulerJson.ConfigHash(parsed)}, this scheduler's config hash is {configHash}: " +
                   $"the checkpoint was taken under another scheduler config";
        if (parsed.NumBuckets != numBuckets)
            return $"the state has K_B = {parsed.NumBuckets}, this scheduler K_B = {numBuckets}";
        var stateStep = parsed.LearnerStep < 0 ? 0 : parsed.LearnerStep;
        if (learnerStep < 0 || stateStep != learnerStep)
            return $"the state is that after learner step {parsed.LearnerStep}, not after learner step {learnerStep}";
        state = parsed;
        return null;
    }

    private void OnUpdate(UpdateEntropy m)
    {
        var replyTo = Sender;
        var stats = m.Stats;
        if (stats is null)
        {
            replyTo.Tell(new EntropyUpdateRejected(-1, "no statistics"));
            return;
        }
        if (last is not null && stats.LearnerStep <= last.Stats.LearnerStep)
        {
            if (stats.LearnerStep == last.Stats.LearnerStep)
            {
                // The learner lost the reply and asks again: the journaled coefficients are the step's truth.
                if (!SameStats(stats, last.Stats))
                    log.Warning("learner step {0} retried with other statistics than the journaled ones; answering the journaled coefficients",
                                stats.LearnerStep);
                replyTo.Tell(new EntropyCoefficientsReply(last.Coefficients, Retry: true));
            }
            else
            {
                replyTo.Tell(new EntropyUpdateRejected(stats.LearnerStep,
                    $"learner step {stats.LearnerStep} is before the last applied step {last.Stats.LearnerStep} (out of order)"));
            }
            return;
        }

        // Apply to a copy: the live scheduler changes only once the event is journaled, so a rejected write changes nothing.
        var next = EntropyScheduler.FromState(scheduler.State);
        var events = new List<IGipoMessage>(2);
        EntropyCoefficients coefficients;
        try
        {
            if (m.Config is { } config && config != next.Config)
            {
                // A live change in force from this step: journaled before the update it shapes.
                next.Reconfigure(config);
                events.Add(new EntropySchedulerReconfigured(stats.LearnerStep, EntropySchedulerJson.SerializeConfig(config)));
            }
            coefficients = next.Update(stats);
        }
        catch (ArgumentException e)
        {
            replyTo.Tell(new EntropyUpdateRejected(stats.LearnerStep, e.Message));
            return;
        }
        events.Add(new EntropyUpdated(stats, coefficients));

        PersistAll(events, stored =>
        {
            ++eventsSinceSnapshot;
            if (stored is not EntropyUpdated e) return;
            scheduler = next;
            last = e;
            if (eventsSinceSnapshot >= snapshotEvery)
            {
                SaveSnapshot(new EntropySchedulerSnapshot(EntropySchedulerJson.Serialize(scheduler.State), configHash, last));
                eventsSinceSnapshot = 0;
            }
            replyTo.Tell(new EntropyCoefficientsReply(e.Coefficients, Retry: false));
        });
    }

    /// <summary>A rejected write changed nothing and got no reply; the learner asks again.</summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        log.Error(cause, "journal rejected {0} (sequence {1}); the scheduler is unchanged", @event.GetType().Name, sequenceNr);
    }

    // ------------------------------------------------------------------------------------------------ equality

    private static bool SameCoefficients(EntropyCoefficients a, EntropyCoefficients b) =>
        a.LearnerStep == b.LearnerStep && a.Calibrating == b.Calibrating
        && Same(a.Alpha, b.Alpha) && Same(a.Nu, b.Nu) && Same(a.Target, b.Target) && Same(a.Upper, b.Upper);

    private static bool SameStats(EntropyStats a, EntropyStats b) =>
        a.LearnerStep == b.LearnerStep && a.PolicyVersion == b.PolicyVersion
        && Same(a.BucketMean, b.BucketMean) && a.BucketGroups.AsSpan().SequenceEqual(b.BucketGroups)
        && a.BucketTokens.AsSpan().SequenceEqual(b.BucketTokens)
        && Bits(a.GlobalTokenMean) == Bits(b.GlobalTokenMean) && Bits(a.AnswerStepMean) == Bits(b.AnswerStepMean);

    // Bit-exact: replay must reproduce every bit (NaN payloads of absent buckets included).
    private static bool Same(double[] a, double[] b) =>
        a.Length == b.Length && a.Select(Bits).SequenceEqual(b.Select(Bits));

    private static long Bits(double d) => BitConverter.DoubleToInt64Bits(d);
}
