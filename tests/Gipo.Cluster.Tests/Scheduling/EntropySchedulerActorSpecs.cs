using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using Gipo.Cluster.Scheduling;
using Gipo.Cluster.Serialization;
using Gipo.Cluster.Tests.Coordination;
using Gipo.Core.Algorithm.Entropy;
using Xunit.Abstractions;

namespace Gipo.Cluster.Tests.Scheduling;

/// <summary>The entropy scheduler actor on the real SQLite journal and snapshot store, one temporary database per test.</summary>
public sealed class EntropySchedulerActorSpecs : SqliteTestKit
{
    private const int Buckets = 3;
    private static readonly EntropySchedulerConfig Config = EntropySchedulerConfig.TinyDefaults(30) with { NCal = 3 };

    public EntropySchedulerActorSpecs(ITestOutputHelper output) : base(output)
    {
    }

    [Fact(DisplayName = "Every reply equals a plain EntropyScheduler fed the same statistics; the state query agrees")]
    public async Task Replies_equal_the_plain_scheduler()
    {
        var actor = Sys.ActorOf(EntropySchedulerActor.Props("plain", Config, Buckets, snapshotEvery: 4));
        var plain = EntropyScheduler.Create(Config, Buckets);
        var learner = CreateTestProbe("learner");
        foreach (var stats in StatsSequence(12))
        {
            actor.Tell(new UpdateEntropy(stats), learner.Ref);
            var reply = await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
            Assert.False(reply.Retry);
            Assert.Equal(Json(plain.Update(stats)), Json(reply.Coefficients));
        }
        Assert.False(plain.State.Calibrating);
        var status = await actor.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance);
        Assert.Equal("plain", status.RunId);
        Assert.Equal(EntropySchedulerJson.ConfigHash(Config), status.ConfigHash);
        Assert.Equal(EntropySchedulerJson.Serialize(plain.State), EntropySchedulerJson.Serialize(status.State));
    }

    [Theory(DisplayName = "A new incarnation recovers the identical state, answers a retry of the last step, and continues identically")]
    [InlineData(1000)] // events only
    [InlineData(3)] // snapshot + events after it
    [InlineData(1)] // snapshot after every event, none to replay
    public async Task Recovery_in_a_new_incarnation(int snapshotEvery)
    {
        var runId = $"recover{snapshotEvery}";
        var props = EntropySchedulerActor.Props(runId, Config, Buckets, snapshotEvery);
        var all = StatsSequence(12);
        var plain = EntropyScheduler.Create(Config, Buckets);
        var learner = CreateTestProbe("learner");

        var first = Sys.ActorOf(props, "first");
        EntropyCoefficientsReply lastReply = null!;
        foreach (var stats in all.Take(7))
        {
            plain.Update(stats);
            first.Tell(new UpdateEntropy(stats), learner.Ref);
            lastReply = await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
        }
        var before = await first.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance);
        Watch(first);
        first.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(first);

        var second = Sys.ActorOf(props, "second");
        var after = await second.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance);
        Assert.Equal(EntropySchedulerJson.Serialize(before.State), EntropySchedulerJson.Serialize(after.State));
        Assert.Equal(before.ConfigHash, after.ConfigHash);

        var persistenceId = EntropySchedulerActor.PersistenceIdFor(runId);
        Assert.Equal("run-recover" + snapshotEvery + "-entropy-scheduler", persistenceId);
        var snapshots = SqliteTestDatabase.Scalar(Database, $"SELECT COUNT(*) FROM snapshot WHERE persistence_id = '{persistenceId}'");
        Assert.Equal(snapshotEvery <= 7, snapshots > 0);

        // The reply of step 7 was "lost": the retry gets the journaled coefficients, and nothing is journaled twice.
        second.Tell(new UpdateEntropy(all[6]), learner.Ref);
        var retry = await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
        Assert.True(retry.Retry);
        Assert.Equal(Json(lastReply.Coefficients), Json(retry.Coefficients));

        foreach (var stats in all.Skip(7))
        {
            second.Tell(new UpdateEntropy(stats), learner.Ref);
            var reply = await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
            Assert.Equal(Json(plain.Update(stats)), Json(reply.Coefficients));
        }
        Assert.Equal(12, SqliteTestDatabase.Scalar(Database, $"SELECT COUNT(*) FROM journal WHERE persistence_id = '{persistenceId}'"));
        var final = await second.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance);
        Assert.Equal(EntropySchedulerJson.Serialize(plain.State), EntropySchedulerJson.Serialize(final.State));
    }

    [Fact(DisplayName = "Live change: a config carried by UpdateEntropy takes effect at that step, a new incarnation recovers it, " +
                        "and a structural change is rejected")]
    public async Task Live_config_change_is_journaled_and_recovered()
    {
        var props = EntropySchedulerActor.Props("live", Config, Buckets, snapshotEvery: 1000);
        var changed = Config with { LambdaMax = 0.5, Kappa1 = 0.3 };
        var plain = EntropyScheduler.Create(Config, Buckets);
        var learner = CreateTestProbe("learner");
        var all = StatsSequence(10);
        var first = Sys.ActorOf(props, "first");
        for (var i = 0; i < 8; i++)
        {
            // From step 6 on the learner sends the changed config (it sends it with every later step too).
            var config = i >= 5 ? changed : null;
            if (i == 5) plain.Reconfigure(changed);
            first.Tell(new UpdateEntropy(all[i], config), learner.Ref);
            var reply = await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
            Assert.Equal(Json(plain.Update(all[i])), Json(reply.Coefficients));
        }
        var before = await first.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance);
        Assert.Equal(changed, before.State.Config);
        Assert.Equal(EntropySchedulerJson.ConfigHash(Config), before.ConfigHash); // snapshots keep the start-up hash
        // Eight updates and one reconfiguration: the config is journaled once, when it changes, not with every step.
        Assert.Equal(9, SqliteTestDatabase.Scalar(Database,
            $"SELECT COUNT(*) FROM journal WHERE persistence_id = '{EntropySchedulerActor.PersistenceIdFor("live")}'"));
        Watch(first);
        first.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(first);

        var second = Sys.ActorOf(props, "second");
        var after = await second.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance);
        Assert.Equal(EntropySchedulerJson.Serialize(before.State), EntropySchedulerJson.Serialize(after.State));

        // A change of what the state means (N_cal) is not a live change.
        second.Tell(new UpdateEntropy(all[8], changed with { NCal = 5 }), learner.Ref);
        var rejected = await learner.ExpectMsgAsync<EntropyUpdateRejected>();
        Assert.Contains("only the targets", rejected.Reason);

        // A resume restores a checkpoint taken after the change: its live fields differ from the start-up config.
        second.Tell(new RestoreScheduler(8, EntropySchedulerJson.Serialize(after.State)), learner.Ref);
        Assert.Equal(changed, (await learner.ExpectMsgAsync<EntropySchedulerStatus>()).State.Config);
    }

    [Fact(DisplayName = "A retry of the last step gets its journaled coefficients; an older step and malformed statistics are rejected")]
    public async Task Idempotent_retry_and_rejections()
    {
        var actor = Sys.ActorOf(EntropySchedulerActor.Props("retry", Config, Buckets, snapshotEvery: 100));
        var learner = CreateTestProbe("learner");
        var all = StatsSequence(5);
        var replies = new List<EntropyCoefficientsReply>();
        foreach (var stats in all)
        {
            actor.Tell(new UpdateEntropy(stats), learner.Ref);
            replies.Add(await learner.ExpectMsgAsync<EntropyCoefficientsReply>());
        }
        var state = EntropySchedulerJson.Serialize((await actor.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance)).State);

        actor.Tell(new UpdateEntropy(all[4]), learner.Ref);
        var retry = await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
        Assert.True(retry.Retry);
        Assert.Equal(Json(replies[4].Coefficients), Json(retry.Coefficients));

        actor.Tell(new UpdateEntropy(all[2]), learner.Ref);
        var old = await learner.ExpectMsgAsync<EntropyUpdateRejected>();
        Assert.Equal(all[2].LearnerStep, old.LearnerStep);
        Assert.Contains("out of order", old.Reason);

        actor.Tell(new UpdateEntropy(Stats(99, 1.0, 1.0)), learner.Ref); // two buckets, not three
        Assert.Contains("3 buckets", (await learner.ExpectMsgAsync<EntropyUpdateRejected>()).Reason);

        Assert.Equal(state, EntropySchedulerJson.Serialize((await actor.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance)).State));
        Assert.Equal(5, SqliteTestDatabase.Scalar(Database, "SELECT COUNT(*) FROM journal WHERE persistence_id = 'run-retry-entropy-scheduler'"));
    }

    [Theory(DisplayName = "A changed config fails recovery with a message naming the config hash")]
    [InlineData(1000)] // detected by replay: the recomputed coefficients differ
    [InlineData(2)] // detected by the snapshot's config hash
    public async Task Changed_config_fails_recovery(int snapshotEvery)
    {
        var runId = $"changed{snapshotEvery}";
        var learner = CreateTestProbe("learner");
        var first = Sys.ActorOf(EntropySchedulerActor.Props(runId, Config, Buckets, snapshotEvery), "first");
        foreach (var stats in StatsSequence(6))
        {
            first.Tell(new UpdateEntropy(stats), learner.Ref);
            await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
        }
        Watch(first);
        first.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(first);

        var changed = Config with { Kappa1 = 0.3 };
        var hash = EntropySchedulerJson.ConfigHash(changed);
        var errors = CreateTestProbe("errors");
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));
        var second = Sys.ActorOf(EntropySchedulerActor.Props(runId, changed, Buckets, snapshotEvery), "second");
        Watch(second);
        await ExpectTerminatedAsync(second);
        await errors.FishForMessageAsync<Error>(e => e.Cause is InvalidOperationException ex && ex.Message.Contains(hash, StringComparison.Ordinal));
    }

    [Theory(DisplayName = "Resume: restore to the state after step 3 of 5, step 4 is accepted again with the same coefficients, " +
                          "and a new incarnation recovers the restored run")]
    [InlineData(1000)] // recovery replays every event, the restore included
    [InlineData(2)] // recovery starts from a snapshot (taken before or after the restore) and replays the rest
    public async Task Restore_for_resume_then_recovery(int snapshotEvery)
    {
        var runId = $"restore{snapshotEvery}";
        var props = EntropySchedulerActor.Props(runId, Config, Buckets, snapshotEvery);
        var all = StatsSequence(5);
        var learner = CreateTestProbe("learner");
        var first = Sys.ActorOf(props, "first");
        var replies = new List<EntropyCoefficientsReply>();
        string afterStep3 = null!;
        foreach (var stats in all)
        {
            first.Tell(new UpdateEntropy(stats), learner.Ref);
            replies.Add(await learner.ExpectMsgAsync<EntropyCoefficientsReply>());
            if (stats.LearnerStep == 3)
                afterStep3 = EntropySchedulerJson.Serialize((await first.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance)).State);
        }
        var plain = EntropyScheduler.Create(Config, Buckets);
        foreach (var stats in all.Take(3)) plain.Update(stats);
        Assert.Equal(EntropySchedulerJson.Serialize(plain.State), afterStep3); // what the checkpoint of step 3 holds

        // Before the restore, step 4 is "out of order".
        first.Tell(new UpdateEntropy(all[3]), learner.Ref);
        Assert.Contains("out of order", (await learner.ExpectMsgAsync<EntropyUpdateRejected>()).Reason);

        first.Tell(new RestoreScheduler(3, afterStep3), learner.Ref);
        var restored = await learner.ExpectMsgAsync<EntropySchedulerStatus>();
        Assert.Equal(afterStep3, EntropySchedulerJson.Serialize(restored.State));
        Assert.Equal(EntropySchedulerJson.ConfigHash(Config), restored.ConfigHash);
        var persistenceId = EntropySchedulerActor.PersistenceIdFor(runId);
        Assert.Equal(6, SqliteTestDatabase.Scalar(Database, $"SELECT COUNT(*) FROM journal WHERE persistence_id = '{persistenceId}'"));

        // Step 4 again: new (not a retry), and the coefficients it gave the first time.
        first.Tell(new UpdateEntropy(all[3]), learner.Ref);
        var again = await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
        Assert.False(again.Retry);
        Assert.Equal(Json(replies[3].Coefficients), Json(again.Coefficients));
        plain.Update(all[3]);
        var before = await first.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance);
        Assert.Equal(EntropySchedulerJson.Serialize(plain.State), EntropySchedulerJson.Serialize(before.State));

        Watch(first);
        first.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(first);

        // Recovery from SQLite: the restore and the re-applied step 4 come back; step 4 is the last update again.
        var second = Sys.ActorOf(props, "second");
        var after = await second.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance);
        Assert.Equal(EntropySchedulerJson.Serialize(before.State), EntropySchedulerJson.Serialize(after.State));
        second.Tell(new UpdateEntropy(all[3]), learner.Ref);
        var retry = await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
        Assert.True(retry.Retry);
        Assert.Equal(Json(replies[3].Coefficients), Json(retry.Coefficients));
        second.Tell(new UpdateEntropy(all[4]), learner.Ref);
        var step5 = await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
        Assert.False(step5.Retry);
        Assert.Equal(Json(replies[4].Coefficients), Json(step5.Coefficients));
        Assert.Equal(8, SqliteTestDatabase.Scalar(Database, $"SELECT COUNT(*) FROM journal WHERE persistence_id = '{persistenceId}'"));
        Assert.Equal(snapshotEvery <= 8, SqliteTestDatabase.Scalar(Database, $"SELECT COUNT(*) FROM snapshot WHERE persistence_id " +
                                                                             $"= '{persistenceId}'") > 0);

        // A third incarnation, recovering after the restore with nothing pending, ends where the plain scheduler does.
        plain.Update(all[4]);
        Watch(second);
        second.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(second);
        var third = Sys.ActorOf(props, "third");
        Assert.Equal(EntropySchedulerJson.Serialize(plain.State),
            EntropySchedulerJson.Serialize((await third.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance)).State));
    }

    [Fact(DisplayName = "A restore is rejected, naming the problem, for another config hash, another K_B, " +
                        "another learner step or a malformed state; nothing is journaled")]
    public async Task Restore_rejections()
    {
        var actor = Sys.ActorOf(EntropySchedulerActor.Props("badrestore", Config, Buckets, snapshotEvery: 100));
        var learner = CreateTestProbe("learner");
        var all = StatsSequence(4);
        foreach (var stats in all)
        {
            actor.Tell(new UpdateEntropy(stats), learner.Ref);
            await learner.ExpectMsgAsync<EntropyCoefficientsReply>();
        }
        var state = EntropySchedulerJson.Serialize((await actor.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance)).State);

        // A config that differs in what the state means (the bucket positions): not a live change (those may differ).
        var changed = Config with { Position = EntropySchedulerConfig.Relative };
        var other = EntropyScheduler.Create(changed, Buckets);
        foreach (var stats in all.Take(2)) other.Update(stats);
        actor.Tell(new RestoreScheduler(2, EntropySchedulerJson.Serialize(other.State)), learner.Ref);
        var hash = await learner.ExpectMsgAsync<SchedulerRestoreRejected>();
        Assert.Equal(2, hash.LearnerStep);
        Assert.Contains(EntropySchedulerJson.ConfigHash(changed), hash.Reason);
        Assert.Contains(EntropySchedulerJson.ConfigHash(Config), hash.Reason);

        var twoBuckets = EntropyScheduler.Create(Config, 2);
        twoBuckets.Update(Stats(1, 1.0, 0.9));
        actor.Tell(new RestoreScheduler(1, EntropySchedulerJson.Serialize(twoBuckets.State)), learner.Ref);
        Assert.Contains("K_B = 2", (await learner.ExpectMsgAsync<SchedulerRestoreRejected>()).Reason);

        var atStep2 = EntropyScheduler.Create(Config, Buckets);
        foreach (var stats in all.Take(2)) atStep2.Update(stats);
        actor.Tell(new RestoreScheduler(3, EntropySchedulerJson.Serialize(atStep2.State)), learner.Ref);
        Assert.Contains("after learner step 2, not after learner step 3", (await learner.ExpectMsgAsync<SchedulerRestoreRejected>()).Reason);

        actor.Tell(new RestoreScheduler(2, "{\"schemaVersion\": 1}"), learner.Ref);
        Assert.Contains("malformed", (await learner.ExpectMsgAsync<SchedulerRestoreRejected>()).Reason);
        actor.Tell(new RestoreScheduler(2, ""), learner.Ref);
        Assert.Contains("no state", (await learner.ExpectMsgAsync<SchedulerRestoreRejected>()).Reason);

        Assert.Equal(state, EntropySchedulerJson.Serialize((await actor.Ask<EntropySchedulerStatus>(GetSchedulerState.Instance)).State));
        Assert.Equal(4, SqliteTestDatabase.Scalar(Database, "SELECT COUNT(*) FROM journal WHERE persistence_id = " +
                                                            "'run-badrestore-entropy-scheduler'"));

        // Step 0 with a fresh state: the resume of a run that had no checkpoint yet.
        actor.Tell(new RestoreScheduler(0, EntropySchedulerJson.Serialize(EntropyScheduler.Create(Config, Buckets).State)), learner.Ref);
        Assert.Equal(-1, (await learner.ExpectMsgAsync<EntropySchedulerStatus>()).State.LearnerStep);
        actor.Tell(new UpdateEntropy(all[0]), learner.Ref);
        Assert.False((await learner.ExpectMsgAsync<EntropyCoefficientsReply>()).Retry);
    }

    [Fact(DisplayName = "The scheduler's messages, event and snapshot round-trip through GipoSerializer bit-exactly (NaN included)")]
    public void Serializer_round_trip()
    {
        var stats = StatsSequence(4)[2]; // step 3: bucket 2 absent (NaN mean)
        var plain = EntropyScheduler.Create(Config, Buckets);
        EntropyCoefficients c = null!;
        foreach (var s in StatsSequence(4)) c = plain.Update(s);
        var updated = new EntropyUpdated(stats, c);
        object[] messages =
        [
            new UpdateEntropy(stats), new EntropyCoefficientsReply(c, true), new EntropyUpdateRejected(3, "no"), GetSchedulerState.Instance,
            new EntropySchedulerStatus("r", plain.State, EntropySchedulerJson.ConfigHash(Config)), updated,
            new EntropySchedulerSnapshot(EntropySchedulerJson.Serialize(plain.State), "h", updated),
            new EntropySchedulerSnapshot(EntropySchedulerJson.Serialize(plain.State), "h", null),
            new RestoreScheduler(4, EntropySchedulerJson.Serialize(plain.State)), new SchedulerRestoreRejected(4, "K_B"),
            new EntropySchedulerRestored(4, EntropySchedulerJson.Serialize(plain.State), EntropySchedulerJson.ConfigHash(Config)),
        ];
        foreach (var m in messages)
        {
            var serializer = Sys.Serialization.FindSerializerFor(m);
            Assert.IsType<GipoSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, m);
            var bytes = serializer.ToBinary(m);
            var back = Sys.Serialization.Deserialize(bytes, GipoSerializer.Id, manifest);
            Assert.IsType(m.GetType(), back);
            Assert.Equal(bytes, GipoCodecs.Encode(back));
            Assert.Equal(Json(m), Json(back));
        }
        var decoded = (UpdateEntropy)GipoCodecs.Decode(GipoCodecs.Encode(new UpdateEntropy(stats)), "ue2");
        Assert.True(double.IsNaN(decoded.Stats.BucketMean[2]));
        Assert.Same(GetSchedulerState.Instance, GipoCodecs.Decode([], "gq1"));
        var restored = new EntropySchedulerRestored(4, EntropySchedulerJson.Serialize(plain.State), "h");
        Assert.Equal(restored, GipoCodecs.Decode(GipoCodecs.Encode(restored), "esr1"));
        Assert.Equal(("rsc1", "srr1", "esr1"), (GipoCodecs.ManifestOf(new RestoreScheduler(0, "")),
                                                GipoCodecs.ManifestOf(new SchedulerRestoreRejected(0, "")), GipoCodecs.ManifestOf(restored)));
    }

    // ------------------------------------------------------------------------------------------------ data

    /// <summary>Learner steps 1..n with pseudo-random bucket means; bucket 2 is absent on every third step.</summary>
    private static EntropyStats[] StatsSequence(int n)
    {
        var rng = new Random(17);
        return [.. Enumerable.Range(1, n).Select(t =>
        {
            var means = new[] { 1.2 + (0.3 * rng.NextDouble()), 0.9 + (0.2 * rng.NextDouble()), 0.5 + (0.2 * rng.NextDouble()) };
            if (t % 3 == 0) means[2] = double.NaN;
            return Stats(t, means);
        })];
    }

    private static EntropyStats Stats(long step, params double[] means) => new(
        step, step - 1, means, [.. means.Select(m => double.IsNaN(m) ? 0 : 4)], [.. means.Select(m => double.IsNaN(m) ? 0L : 100L)],
        means.Where(double.IsFinite).Average(), double.NaN);

    private static string Json(object value) => JsonSerializer.Serialize(value, value.GetType(), EntropySchedulerJson.Options);
}
