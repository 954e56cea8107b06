using System.Text.Json;
using Gipo.Core.Algorithm.Entropy;

namespace Gipo.Core.Tests.Algorithm.Entropy;

public sealed class EntropySchedulerTests
{
    // α_ema = 0 makes H̃ the latest H̄, and κ₀ = κ₁ a fixed target, so the arithmetic below is exact by hand:
    // H_ref = 1 ⇒ H* = 0.9 (one bucket).
    private static readonly EntropySchedulerConfig Plain = new(
        Kappa0: 0.9, Kappa1: 0.9, TAnneal: 100, DMin: 0.5, HFloor: 0.01, UpperMult: 0,
        EtaLambda: 0.1, LambdaMax: 0.05, EmaAlpha: 0, NCal: 3, Mode: EntropySchedulerConfig.Lagrangian,
        Position: EntropySchedulerConfig.Absolute, Pid: false, Kp: 0, Ki: 0, Kd: 0);

    private long step;

    private EntropyStats Stats(params double[] bucketMean) =>
        new(this.step++, PolicyVersion: this.step, bucketMean,
            bucketMean.Select(h => double.IsNaN(h) ? 0 : 4).ToArray(),
            bucketMean.Select(h => double.IsNaN(h) ? 0L : 100).ToArray(),
            GlobalTokenMean: 0.7, AnswerStepMean: 0.3);

    private EntropyScheduler Calibrated(EntropySchedulerConfig config, params double[] reference)
    {
        var scheduler = EntropyScheduler.Create(config, reference.Length);
        for (var i = 0; i < config.NCal; i++)
        {
            scheduler.Update(Stats(reference));
        }
        return scheduler;
    }

    [Fact]
    public void Calibration_holds_lambda_at_zero_and_sets_the_reference_to_the_mean()
    {
        var scheduler = EntropyScheduler.Create(Plain, 1);

        double[] calibration = [0.2, 0.4, 0.6]; // a huge deficit against any target: λ must still stay 0
        var replies = calibration.Select(h => scheduler.Update(Stats(h))).ToList();

        Assert.All(replies, c => Assert.True(c.Calibrating));
        Assert.All(replies, c => Assert.Equal([0.0], c.Alpha));
        Assert.False(scheduler.State.Calibrating);
        Assert.Equal(0.4, scheduler.State.HRef[0], 15);
        Assert.Equal(0.9 * 0.4, replies[^1].Target[0], 15); // the target is known once calibration ends
        Assert.False(scheduler.Update(Stats(0.1)).Calibrating);
    }

    [Fact]
    public void Entropy_at_or_above_target_forever_keeps_lambda_zero()
    {
        var scheduler = Calibrated(Plain, 1.0);

        for (var i = 0; i < 50; i++)
        {
            var c = scheduler.Update(Stats(0.9 + (0.01 * (i % 3))));
            Assert.Equal([0.0], c.Alpha);
        }
        Assert.Equal([0.0], scheduler.State.Lambda);
    }

    [Fact]
    public void A_constant_deficit_raises_lambda_by_eta_delta_up_to_lambda_max_then_surplus_releases_it()
    {
        var scheduler = Calibrated(Plain, 1.0);
        const double delta = 0.1;

        var rising = Enumerable.Range(0, 8).Select(_ => scheduler.Update(Stats(0.9 - delta)).Alpha[0]).ToArray();
        var falling = Enumerable.Range(0, 8).Select(_ => scheduler.Update(Stats(0.9 + delta)).Alpha[0]).ToArray();

        double[] expectedRise = [0.01, 0.02, 0.03, 0.04, 0.05, 0.05, 0.05, 0.05];
        double[] expectedFall = [0.04, 0.03, 0.02, 0.01, 0, 0, 0, 0];
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(expectedRise[i], rising[i], 12);
            Assert.Equal(expectedFall[i], falling[i], 12);
        }
    }

    [Fact]
    public void Lambda_max_zero_gives_all_alpha_zero()
    {
        var scheduler = Calibrated(Plain with { LambdaMax = 0, UpperMult = 1.5 }, 1.0, 1.0);

        for (var i = 0; i < 20; i++)
        {
            var c = scheduler.Update(Stats(0.01, 5.0));
            Assert.True(c.IsZero);
        }
    }

    [Fact]
    public void Gated_mode_zeroes_alpha_while_entropy_is_above_target()
    {
        var scheduler = Calibrated(Plain with { Mode = EntropySchedulerConfig.Gated }, 1.0);
        scheduler.Update(Stats(0.8));
        scheduler.Update(Stats(0.8));

        var below = scheduler.Update(Stats(0.85));
        var above = scheduler.Update(Stats(0.91)); // λ = 0.025 − 0.001 > 0, but H̃ ≥ H*

        Assert.Equal(0.025, below.Alpha[0], 12);
        Assert.Equal(0, above.Alpha[0]);
        Assert.Equal(0.024, scheduler.State.Lambda[0], 12);
    }

    [Fact]
    public void The_ema_smooths_the_batch_statistic()
    {
        var scheduler = EntropyScheduler.Create(Plain with { EmaAlpha = 0.8 }, 1);

        scheduler.Update(Stats(1.0));
        scheduler.Update(Stats(2.0));

        Assert.Equal((0.8 * 1.0) + (0.2 * 2.0), scheduler.State.HEma[0], 15);
        Assert.Equal(1.5, scheduler.State.CalSum[0] / 2, 15); // calibration averages the raw H̄, not the EMA
    }

    [Fact]
    public void Targets_follow_the_step_profile_and_the_linear_annealing()
    {
        var config = Plain with { Kappa0 = 0.9, Kappa1 = 0.6, TAnneal = 10, DMin = 0.5, HFloor = 0.2 };
        var scheduler = Calibrated(config, 1.0, 1.0, 0.3);

        Assert.Equal([1.0, 0.75, 0.5], Enumerable.Range(0, 3).Select(scheduler.StepProfile));
        Assert.Equal(0.9, scheduler.Kappa(3), 15);
        Assert.Equal(0.75, scheduler.Kappa(8), 15);
        Assert.Equal(0.6, scheduler.Kappa(13), 15);
        Assert.Equal(0.6, scheduler.Kappa(1000), 15);
        Assert.Equal(0.9, scheduler.Kappa(0), 15);
        Assert.Equal(0.9 * 0.75, scheduler.Target(1, 3), 15);
        Assert.Equal(0.2, scheduler.Target(2, 3), 15); // 0.9 · 0.5 · 0.3 = 0.135 < H_floor
        Assert.Equal(1.0, EntropyScheduler.Create(config, 1).StepProfile(0));
    }

    [Fact]
    public void Buckets_never_seen_in_calibration_borrow_the_previous_reference()
    {
        var scheduler = Calibrated(Plain, double.NaN, 0.8, double.NaN, 0.4, double.NaN);

        Assert.Equal([0.8, 0.8, 0.8, 0.4, 0.4], scheduler.State.HRef.Select(h => Math.Round(h, 12)));
    }

    [Fact]
    public void Absent_buckets_are_not_updated()
    {
        var scheduler = Calibrated(Plain, 1.0, 1.0); // targets 0.9 and 0.45 (d_1 = 0.5)
        scheduler.Update(Stats(0.5, 0.3));

        var c = scheduler.Update(Stats(double.NaN, 0.3));

        Assert.Equal(0.04, c.Alpha[0], 12); // unchanged from the previous step
        Assert.Equal(0.03, c.Alpha[1], 12);
        Assert.Equal(0.5, scheduler.State.HEma[0]);
    }

    [Fact]
    public void The_upper_bound_raises_nu_when_entropy_explodes()
    {
        var scheduler = Calibrated(Plain with { UpperMult = 1.5 }, 1.0);

        var c = scheduler.Update(Stats(1.7));

        Assert.Equal(1.5, c.Upper[0], 15);
        Assert.Equal(0.1 * 0.2, c.Nu[0], 12);
        Assert.Equal(0, c.Alpha[0]);
        Assert.Equal(0, scheduler.Update(Stats(1.0)).Nu[0], 12);
    }

    [Fact]
    public void Pid_with_only_an_integral_gain_of_eta_is_the_dual_ascent()
    {
        var dual = Calibrated(Plain, 1.0, 1.0);
        this.step = 0;
        var pid = Calibrated(Plain with { Pid = true, Ki = Plain.EtaLambda }, 1.0, 1.0);

        var sequence = new[] { 0.8, 0.85, 0.7, 0.7, 0.7, 0.95, 1.2, 0.88, 0.6, 1.0, 1.0, 1.0 };
        for (var i = 0; i < sequence.Length; i++)
        {
            var stats = new EntropyStats(10 + i, 1, [sequence[i], 1.0 - sequence[i]], [3, 3], [9, 9], 0.5, 0.5);
            var a = dual.Update(stats);
            var b = pid.Update(stats);
            Assert.Equal(a.Alpha[0], b.Alpha[0], 12);
            Assert.Equal(a.Alpha[1], b.Alpha[1], 12);
        }
    }

    [Fact]
    public void A_proportional_gain_reacts_immediately()
    {
        var scheduler = Calibrated(Plain with { Pid = true, Kp = 0.2, LambdaMax = 1 }, 1.0);

        Assert.Equal(0.2 * 0.1, scheduler.Update(Stats(0.8)).Alpha[0], 12);
        Assert.Equal(0, scheduler.Update(Stats(0.95)).Alpha[0], 12);
    }

    [Fact]
    public void The_state_round_trips_through_json_and_a_restored_scheduler_continues_identically()
    {
        var config = Plain with { EmaAlpha = 0.8, Kappa1 = 0.6, UpperMult = 1.5, Pid = true, Kp = 0.05, Ki = 0.07, Kd = 0.01 };
        var original = EntropyScheduler.Create(config, 3);
        var random = new Random(5);
        EntropyStats RandomStats() =>
            Stats(0.1 + random.NextDouble(), random.NextDouble() / 3, random.Next(3) == 0 ? double.NaN : random.NextDouble());
        for (var i = 0; i < 7; i++)
        {
            original.Update(RandomStats());
        }

        var json = EntropySchedulerJson.Serialize(original.State);
        var restored = EntropyScheduler.FromState(EntropySchedulerJson.Deserialize(json));

        Assert.Equal(json, EntropySchedulerJson.Serialize(restored.State));
        AssertSameState(original.State, restored.State);
        for (var i = 0; i < 10; i++)
        {
            var stats = RandomStats();
            var a = original.Update(stats);
            var b = restored.Update(stats);
            Assert.Equal(a.Alpha, b.Alpha);
            Assert.Equal(a.Nu, b.Nu);
            Assert.Equal(a.Target, b.Target);
            Assert.Equal(a.Upper, b.Upper);
        }
        Assert.Equal(EntropySchedulerJson.Serialize(original.State), EntropySchedulerJson.Serialize(restored.State));
    }

    [Fact]
    public void The_json_holds_the_spec_fields_and_no_derived_ones()
    {
        var json = EntropySchedulerJson.Serialize(Calibrated(Plain, 1.0).State);

        foreach (var field in new[] { "schemaVersion", "numBuckets", "learnerStep", "calStepsDone", "hRef", "hEma", "lambda", "nu", "kappa0",
                                     "nCal", "mode" })
        {
            Assert.Contains($"\"{field}\":", json);
        }
        Assert.DoesNotContain("isGated", json);
        Assert.DoesNotContain("bucketPosition", json);
        Assert.DoesNotContain("NaN", json);
    }

    [Fact]
    public void The_state_is_a_snapshot_not_a_view()
    {
        var scheduler = Calibrated(Plain, 1.0);
        var before = scheduler.State;

        scheduler.Update(Stats(0.5));

        Assert.Equal(0, before.Lambda[0]);
        Assert.NotEqual(0, scheduler.State.Lambda[0]);
    }

    [Fact]
    public void Stats_with_nan_for_absent_buckets_round_trip_as_messages()
    {
        var stats = Stats(0.5, double.NaN);

        var json = JsonSerializer.Serialize(stats, EntropySchedulerJson.Options);
        var back = JsonSerializer.Deserialize<EntropyStats>(json, EntropySchedulerJson.Options)!;

        Assert.Equal(stats.BucketMean, back.BucketMean);
        Assert.Equal(stats.BucketGroups, back.BucketGroups);
    }

    [Fact]
    public void The_config_hash_is_stable_and_tracks_every_setting()
    {
        var hash = EntropySchedulerJson.ConfigHash(Plain);

        Assert.Equal(hash, EntropySchedulerJson.ConfigHash(Plain with { }));
        Assert.Equal(64, hash.Length);
        Assert.NotEqual(hash, EntropySchedulerJson.ConfigHash(Plain with { EtaLambda = 0.1000001 }));
        Assert.NotEqual(hash, EntropySchedulerJson.ConfigHash(Plain with { Pid = true }));
        Assert.Equal(hash, EntropySchedulerJson.ConfigHash(EntropyScheduler.Create(Plain, 2).State));
    }

    [Fact]
    public void Adaptive_global_is_one_gated_bucket()
    {
        var scheduler = EntropyScheduler.CreateFor(EntropyMode.AdaptiveGlobal, Plain, numBuckets: 6);

        Assert.Equal(1, scheduler.NumBuckets);
        Assert.True(scheduler.Config.IsGated);
        Assert.Equal(6, EntropyScheduler.CreateFor(EntropyMode.Gsec, Plain, 6).NumBuckets);
        Assert.Throws<ArgumentException>(() => EntropyScheduler.CreateFor(EntropyMode.ClipCov, Plain, 6));
    }

    [Fact]
    public void Bad_statistics_are_rejected()
    {
        var scheduler = EntropyScheduler.Create(Plain, 2);

        Assert.Throws<ArgumentException>(() => scheduler.Update(Stats(0.5)));
        Assert.Throws<ArgumentException>(() => scheduler.Update(new EntropyStats(0, 0, [double.NaN, 0.5], [2, 2], [5, 5], 0.5, 0.5)));
        Assert.Throws<ArgumentException>(() => scheduler.Update(new EntropyStats(0, 0, [double.PositiveInfinity, 0.5], [2, 2], [5, 5], 0.5, 0.5)));
        Assert.Throws<ArgumentException>(() => scheduler.Update(new EntropyStats(0, 0, [0.5, 0.5], [2, 2], [5, 5], double.NaN, 0.5)));
        Assert.Throws<ArgumentException>(() => scheduler.Update(new EntropyStats(0, 0, [0.5, 0.5], [2, -1], [5, 5], 0.5, 0.5)));

        scheduler.Update(new EntropyStats(3, 0, [0.5, 0.5], [2, 2], [5, 5], 0.5, 0.5));
        Assert.Throws<ArgumentException>(() => scheduler.Update(new EntropyStats(3, 0, [0.5, 0.5], [2, 2], [5, 5], 0.5, 0.5)));
        Assert.Equal(1, scheduler.State.CalStepsDone); // rejected updates change nothing
    }

    [Fact]
    public void Bad_configs_and_states_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => EntropyScheduler.Create(Plain, 0));
        Assert.Throws<ArgumentException>(() => EntropyScheduler.Create(Plain with { Mode = "soft" }, 2));
        Assert.Throws<ArgumentException>(() => EntropyScheduler.Create(Plain with { Position = "middle" }, 2));
        Assert.Throws<ArgumentException>(() => EntropyScheduler.Create(Plain with { EmaAlpha = 1 }, 2));
        Assert.Throws<ArgumentException>(() => EntropyScheduler.Create(Plain with { NCal = 0 }, 2));
        Assert.Throws<ArgumentException>(() => EntropyScheduler.Create(Plain with { EtaLambda = double.NaN }, 2));
        Assert.Throws<ArgumentException>(() => EntropyScheduler.Create(Plain with { UpperMult = -1 }, 2));

        var state = EntropyScheduler.Create(Plain, 2).State;
        Assert.Throws<ArgumentException>(() => EntropyScheduler.FromState(state with { Lambda = [0.0] }));
        Assert.Throws<ArgumentException>(() => EntropyScheduler.FromState(state with { HEma = [double.NaN, 0] }));
        Assert.Throws<ArgumentException>(() => EntropyScheduler.FromState(state with { SchemaVersion = 99 }));
        Assert.Throws<JsonException>(() =>
            EntropySchedulerJson.Deserialize(EntropySchedulerJson.Serialize(state).Replace("\"lambda\":", "\"lambdas\":")));
    }

    private static void AssertSameState(EntropySchedulerState a, EntropySchedulerState b)
    {
        Assert.Equal(a.Config, b.Config);
        Assert.Equal((a.SchemaVersion, a.NumBuckets, a.LearnerStep, a.PolicyVersion, a.Calibrating, a.CalStepsDone),
            (b.SchemaVersion, b.NumBuckets, b.LearnerStep, b.PolicyVersion, b.Calibrating, b.CalStepsDone));
        Assert.Equal(a.CalSum, b.CalSum);
        Assert.Equal(a.CalCount, b.CalCount);
        Assert.Equal(a.HRef, b.HRef);
        Assert.Equal(a.HEma, b.HEma);
        Assert.Equal(a.HEmaInit, b.HEmaInit);
        Assert.Equal(a.Lambda, b.Lambda);
        Assert.Equal(a.Nu, b.Nu);
        Assert.Equal(a.PidIntegral, b.PidIntegral);
        Assert.Equal(a.PidPrevError, b.PidPrevError);
        Assert.Equal(a.PidStarted, b.PidStarted);
    }
}
