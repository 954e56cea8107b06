using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Model.Checkpoints;
using Gipo.Model.Learning;
using static Gipo.Cluster.Tests.Learning.LearnerFixture;
using static TorchSharp.torch;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// Learner checkpoints (<see cref="LearnerCheckpoint"/>) on whole learner steps from the real presets: a resumed learner
/// repeats the next step bit for bit, damaged checkpoints are refused before the learner is touched, and the learner's
/// external-scheduler hook.
/// </summary>
public sealed class LearnerCheckpointTests : IDisposable
{
    private const long Seed = 7;
    private readonly string root = Path.Combine(Path.GetTempPath(), $"gipo-ckpt-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    /// <summary>GIPO with GSEC out of calibration after one step and the IB probe on, its ε also in the policy loss.</summary>
    private static AlgorithmSettings GipoSettings() =>
        Settings("gipo-preset.conf", "algorithm.gsec.calibration-steps=1", "algorithm.ib.backprop-to-policy=on", "algorithm.ib.warmup-steps=1");

    private static readonly IReadOnlyDictionary<string, string> Extras =
        new Dictionary<string, string> { ["data_cursor.json"] = """{"next_group": 12}""" };

    /// <summary>Metrics as JSON without the timings, so two steps can be compared exactly.</summary>
    private static string Comparable(LearnerStepMetrics m) =>
        JsonSerializer.Serialize(m with { Seconds = 0, ProxSeconds = 0, AdvantageSeconds = 0, PpoSeconds = 0 },
            new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });

    private (string Dir, string Sha) TrainAndSave(AlgorithmSettings settings, IReadOnlyList<ScoredGroup> batch, int steps)
    {
        using var model = Policy();
        using var learner = new GipoLearner(model, Tok, settings, seed: Seed);
        for (var i = 0; i < steps; i++) learner.Train(batch);
        var dir = Path.Combine(root, LearnerCheckpoint.DirectoryName(learner.Step));
        var (manifest, sha) = LearnerCheckpoint.Save(dir, learner, model, Tok.ToJson(), Extras);
        Assert.Equal(Path.Combine(dir, LearnerCheckpoint.ManifestFile), manifest);
        return (dir, sha);
    }

    private static IReadOnlyList<ScoredGroup> SharedBatch()
    {
        using var model = Policy();
        return Batch(model);
    }

    [Fact]
    public void Companion_files_are_written_hashed_in_the_manifest_and_checked_on_load()
    {
        using var model = Policy();
        using var learner = new GipoLearner(model, Tok, Settings("dapo.conf"), seed: Seed);
        var companions = HfCompanionFiles.Build(null, model.Config, Tok, Tok.ToJson(), new Gipo.Model.Sampling.SamplingOptions(MaxNewTokens: 24),
            new ModelCardFacts("r", "base", "column-add", "grpo", 0, 0, [], []));
        var dir = Path.Combine(root, LearnerCheckpoint.DirectoryName(0));
        var (_, sha) = LearnerCheckpoint.Save(dir, learner, model, Tok.ToJson(), null, companions);

        var manifest = LearnerCheckpoint.Verify(dir, sha);
        foreach (var name in companions.Keys)
        {
            var entry = Assert.Single(manifest.Files, f => f.Name == name);
            Assert.Equal(LearnerCheckpoint.Sha256OfFile(Path.Combine(dir, name)), entry.Sha256);
            Assert.Equal(companions[name], File.ReadAllText(Path.Combine(dir, name)));
        }
        File.AppendAllText(Path.Combine(dir, HfCompanionFiles.ModelCardFile), "edited\n");
        var e = Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Verify(dir, sha));
        Assert.Contains(HfCompanionFiles.ModelCardFile, e.Message);

        Assert.Throws<ArgumentException>(() => LearnerCheckpoint.Save(Path.Combine(root, "x"), learner, model, Tok.ToJson(), null,
            new Dictionary<string, string> { ["vocab.txt"] = "" }));
        Assert.Throws<ArgumentException>(() => LearnerCheckpoint.Save(Path.Combine(root, "y"), learner, model, Tok.ToJson(),
            new Dictionary<string, string> { [HfCompanionFiles.GenerationConfigFile] = "{}" }));
    }

    [Fact]
    public void Directory_names_are_zero_padded_steps() =>
        Assert.Equal("step-000010", LearnerCheckpoint.DirectoryName(10));

    [Fact]
    public void Save_then_load_restores_weights_optimizer_probe_scheduler_and_step_bit_for_bit()
    {
        var settings = GipoSettings();
        var batch = SharedBatch();
        using var model = Policy();
        using var saved = new GipoLearner(model, Tok, settings, seed: Seed);
        saved.Train(batch);
        saved.Train(batch);
        var dir = Path.Combine(root, LearnerCheckpoint.DirectoryName(saved.Step));
        var (_, sha) = LearnerCheckpoint.Save(dir, saved, model, Tok.ToJson(), Extras);

        using var fresh = Policy();
        using var loaded = new GipoLearner(fresh, Tok, settings, seed: Seed);
        Assert.False(Identical(saved.Optimizer.Parameters, loaded.Optimizer.Parameters));
        var contents = LearnerCheckpoint.Load(dir, loaded, fresh, sha);

        Assert.Equal(sha, contents.ManifestSha256);
        Assert.Equal((2L, 2L), (loaded.Step, loaded.PolicyVersion));
        Assert.Equal((2L, 2L, Seed), (contents.Manifest.Step, contents.Manifest.PolicyVersion, contents.Manifest.Seed));
        Assert.True(Identical(saved.Optimizer.Parameters, loaded.Optimizer.Parameters));
        var (s1, avg1, sq1) = saved.Optimizer.State;
        var (s2, avg2, sq2) = loaded.Optimizer.State;
        Assert.Equal(s1, s2);
        Assert.True(Identical(avg1, avg2));
        Assert.True(Identical(sq1, sq2));
        Assert.Equal(saved.Optimizer.LearningRate, loaded.Optimizer.LearningRate);

        var probeA = saved.Ib!.Probe.named_parameters().ToList();
        var probeB = loaded.Ib!.Probe.named_parameters().ToList();
        Assert.Equal(probeA.Count, probeB.Count);
        Assert.All(probeA.Zip(probeB), p => Assert.True(Identical(p.Item1.parameter, p.Item2.parameter), p.Item1.name));
        Assert.Equal(saved.Ib.OptimizerSteps, loaded.Ib.OptimizerSteps);
        Assert.Equal(saved.Ib.ReplayCount, loaded.Ib.ReplayCount);
        Assert.Equal(saved.Ib.Gate.State, loaded.Ib.Gate.State);
        Assert.Equal(saved.Ib.Normalizer.Mean, loaded.Ib.Normalizer.Mean);

        var schedulerJson = EntropySchedulerJson.Serialize(saved.Scheduler!.State);
        Assert.Equal(schedulerJson, EntropySchedulerJson.Serialize(contents.Scheduler!));
        Assert.Equal(schedulerJson, EntropySchedulerJson.Serialize(loaded.Scheduler!.State));
        Assert.Equal(Extras.Keys, contents.ExtraJsonFiles.Keys);
        Assert.Equal(Extras["data_cursor.json"], contents.ExtraJsonFiles["data_cursor.json"]);
        Assert.Equal(Tok.ToJson(), contents.TokenizerJson);

        // The model files are an ordinary Hugging Face checkpoint.
        using var hf = HfCheckpoint.Load(dir);
        Assert.All(hf.HfTensorViews().Zip(model.HfTensorViews()), v => Assert.True(Identical(v.Item1.View, v.Item2.View), v.Item1.Name));
        // Every file is in the manifest with its hash.
        var listed = contents.Manifest.Files.Select(f => f.Name).ToHashSet();
        Assert.Equal(Directory.GetFiles(dir).Select(n => Path.GetFileName(n)).Where(n => n != LearnerCheckpoint.ManifestFile).ToHashSet(), listed);
        Assert.Contains(LearnerCheckpoint.OptimizerFile, listed);
        Assert.Contains("probe.safetensors", listed);
        Assert.Contains(LearnerCheckpoint.SchedulerFile, listed);
        Assert.Contains("data_cursor.json", listed);
    }

    [Fact]
    public void A_learner_resumed_from_a_checkpoint_repeats_the_next_step_exactly()
    {
        var settings = GipoSettings();
        var batch = SharedBatch();

        // A: steps 1..3 without interruption.
        using var modelA = Policy();
        using var a = new GipoLearner(modelA, Tok, settings, seed: Seed);
        var metricsA = Enumerable.Range(0, 3).Select(_ => a.Train(batch)).ToList();

        // B: steps 1..2, checkpoint; C: a fresh process's learner loads it and takes step 3.
        var (dir, sha) = TrainAndSave(settings, batch, 2);
        using var modelC = Policy();
        using var c = new GipoLearner(modelC, Tok, settings, seed: Seed);
        LearnerCheckpoint.Load(dir, c, modelC, sha);
        var metricsC = c.Train(batch);

        Assert.Equal(Comparable(metricsA[2]), Comparable(metricsC));
        Assert.NotEqual(Comparable(metricsA[1]), Comparable(metricsC)); // the comparison can fail
        Assert.NotNull(metricsC.IbPolicyLoss); // ε of the policy-side IB term was drawn
        Assert.True(metricsC.IbTrainStates > 0); // and the probe trained (shuffles, ε)
        Assert.False(metricsC.Calibrating); // GSEC's multipliers moved
        Assert.True(Identical(a.Optimizer.Parameters, c.Optimizer.Parameters));
        Assert.True(Identical(a.Optimizer.State.ExpAvgSq, c.Optimizer.State.ExpAvgSq));
        Assert.All(a.Ib!.Probe.parameters().Zip(c.Ib!.Probe.parameters()), p => Assert.True(Identical(p.Item1, p.Item2)));
        Assert.Equal(EntropySchedulerJson.Serialize(a.Scheduler!.State), EntropySchedulerJson.Serialize(c.Scheduler!.State));
    }

    [Fact]
    public void A_tampered_file_is_refused_by_name_before_the_learner_is_touched()
    {
        var settings = GipoSettings();
        var (dir, sha) = TrainAndSave(settings, SharedBatch(), 1);
        var path = Path.Combine(dir, LearnerCheckpoint.OptimizerFile);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        using var model = Policy();
        using var learner = new GipoLearner(model, Tok, settings, seed: Seed);
        using var before = learner.Optimizer.Parameters.clone();
        var e = Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Load(dir, learner, model, sha));
        Assert.StartsWith("checkpoint step-000001: optimizer.safetensors sha256 mismatch (expected ", e.Message);
        Assert.Equal(0, learner.Step);
        Assert.True(Identical(before, learner.Optimizer.Parameters));
        Assert.Contains("optimizer.safetensors sha256 mismatch", Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Verify(dir)).Message);
    }

    [Fact]
    public void A_wrong_manifest_hash_a_missing_manifest_or_file_and_a_truncated_file_are_clear_errors()
    {
        var (dir, sha) = TrainAndSave(GipoSettings(), SharedBatch(), 1);
        Assert.Equal(1, LearnerCheckpoint.Verify(dir, sha).Step);
        var wrong = new string('0', 64);
        Assert.Equal($"checkpoint step-000001: manifest.json sha256 mismatch (expected {wrong}, found {sha})",
            Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Verify(dir, wrong)).Message);

        var weights = Path.Combine(dir, HfCheckpoint.WeightsFile);
        var original = File.ReadAllBytes(weights);
        var length = original.LongLength;
        using (var stream = new FileStream(weights, FileMode.Open)) stream.SetLength(length - 100);
        var truncated = Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Verify(dir)).Message;
        Assert.StartsWith($"checkpoint step-000001: model.safetensors size mismatch (expected {length} bytes, found {length - 100})", truncated);
        Assert.Contains("truncated", truncated);
        File.WriteAllBytes(weights, original);
        Assert.Equal(1, LearnerCheckpoint.Verify(dir, sha).Step);

        File.Delete(Path.Combine(dir, "probe.json"));
        Assert.Equal("checkpoint step-000001: " +
                     "probe.json is missing", Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Verify(dir)).Message);

        File.Delete(Path.Combine(dir, LearnerCheckpoint.ManifestFile));
        Assert.StartsWith("checkpoint " +
                          "step-000001: no manifest.json", Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Verify(dir)).Message);
        Assert.IsType<DirectoryNotFoundException>(Record.Exception(() => LearnerCheckpoint.Verify(Path.Combine(root, "nowhere"))));
    }

    [Fact]
    public void Bad_json_behind_a_consistent_manifest_is_named()
    {
        var settings = GipoSettings();
        var (dir, _) = TrainAndSave(settings, SharedBatch(), 1);
        var learnerJson = Path.Combine(dir, LearnerCheckpoint.LearnerFile);
        File.WriteAllText(learnerJson, "{\"format\": ");
        // Re-hash so that only the JSON itself is wrong.
        var manifestPath = Path.Combine(dir, LearnerCheckpoint.ManifestFile);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var entry = manifest["files"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == LearnerCheckpoint.LearnerFile)!;
        entry["sha256"] = LearnerCheckpoint.Sha256OfFile(learnerJson);
        entry["size"] = new FileInfo(learnerJson).Length;
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        using var model = Policy();
        using var learner = new GipoLearner(model, Tok, settings, seed: Seed);
        Assert.StartsWith("checkpoint step-000001: learner.json is not valid JSON",
            Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Load(dir, learner, model)).Message);
        Assert.Equal(0, learner.Step);
    }

    [Fact]
    public void Saving_never_writes_into_an_existing_checkpoint_and_a_mismatched_learner_is_refused()
    {
        var settings = GipoSettings();
        var batch = SharedBatch();
        var (dir, sha) = TrainAndSave(settings, batch, 1);
        using var model = Policy();
        using var learner = new GipoLearner(model, Tok, settings, seed: Seed);
        learner.Train(batch);
        learner.Train(batch);
        var (manifest, _) = LearnerCheckpoint.Save(dir, learner, model, Tok.ToJson());
        Assert.Equal(Path.Combine(dir + "-2", LearnerCheckpoint.ManifestFile), manifest); // beside it, not into it
        Assert.Equal(1, LearnerCheckpoint.Verify(dir, sha).Step); // untouched
        Assert.Equal(2, LearnerCheckpoint.Verify(dir + "-2").Step);
        Assert.Equal(2, Directory.GetFileSystemEntries(root).Length); // no staging folder left behind

        Assert.Throws<ArgumentException>(() => LearnerCheckpoint.Save(Path.Combine(root, "x"), learner, model, Tok.ToJson(),
            new Dictionary<string, string> { ["learner.json"] = "{}" }));
        Assert.Throws<ArgumentException>(() => LearnerCheckpoint.Save(Path.Combine(root, "y"), learner, model, Tok.ToJson(),
            new Dictionary<string, string> { ["cursor.json"] = "{oops" }));
        Assert.Equal(2, Directory.GetFileSystemEntries(root).Length);

        using var other = Policy();
        using var otherSeed = new GipoLearner(other, Tok, settings, seed: Seed + 1);
        Assert.Contains("seed", Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Load(dir, otherSeed, other)).Message);
        using var noProbe = new GipoLearner(other, Tok, Settings("gipo-preset.conf", "algorithm.ib.enabled=off"), seed: Seed);
        Assert.Contains("IB probe", Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Load(dir, noProbe, other)).Message);
    }

    [Fact]
    public void The_scheduler_state_travels_with_the_checkpoint_and_must_fit_the_learner()
    {
        // κ = 3 puts every target above the measured entropy, so the scheduler's α is > 0 from step 2 on: a scheduler
        // restored wrongly (fresh, or of another step) would give other coefficients at step 3.
        string[] forced = ["algorithm.ib.enabled=off", "algorithm.gsec.calibration-steps=1", "algorithm.gsec.kappa0=3", "algorithm.gsec.kappa1=3"];
        var settings = Settings("gipo-preset.conf", forced);
        var batch = SharedBatch();
        var dir = Path.Combine(root, LearnerCheckpoint.DirectoryName(2));

        Tensor straight;
        LearnerStepMetrics straightLast;
        using (var model = Policy())
        using (var learner = new GipoLearner(model, Tok, settings, seed: Seed))
        {
            learner.Train(batch);
            learner.Train(batch);
            LearnerCheckpoint.Save(dir, learner, model, Tok.ToJson());
            Assert.Equal(1, learner.Scheduler!.State.LearnerStep); // the state after the update of learner step 2 (0-based 1)
            straightLast = learner.Train(batch);
            straight = learner.Optimizer.Parameters.detach().clone();
        }
        Assert.Contains(straightLast.BucketAlpha, alpha => alpha > 0);
        Assert.True(File.Exists(Path.Combine(dir, LearnerCheckpoint.SchedulerFile)));

        using (var model = Policy())
        using (var resumed = new GipoLearner(model, Tok, settings, seed: Seed))
        {
            var contents = LearnerCheckpoint.Load(dir, resumed, model);
            Assert.Equal(1, contents.Scheduler!.LearnerStep);
            Assert.Equal(EntropySchedulerJson.Serialize(contents.Scheduler), EntropySchedulerJson.Serialize(resumed.Scheduler!.State));
            var last = resumed.Train(batch);
            Assert.Equal(straightLast.BucketAlpha, last.BucketAlpha);
            Assert.True(Identical(straight, resumed.Optimizer.Parameters.detach().clone()));
        }

        // A live change of a target keeps the state loadable; another structure (the calibration length) or K_B does not.
        using (var model = Policy())
        using (var live = new GipoLearner(model, Tok, Settings("gipo-preset.conf", [.. forced, "algorithm.gsec.kappa0=2"]), seed: Seed))
            LearnerCheckpoint.Load(dir, live, model);
        using (var model = Policy())
        using (var other = new GipoLearner(model, Tok, Settings("gipo-preset.conf", [.. forced, "algorithm.gsec.calibration-steps=2"]), seed: Seed))
            Assert.Contains("another scheduler config", Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Load(dir, other, model)).Message);
        using (var model = Policy())
        using (var buckets = new GipoLearner(model, Tok, Settings("gipo-preset.conf", [.. forced, "algorithm.gsec.buckets=3"]), seed: Seed))
            Assert.Contains("K_B", Assert.Throws<InvalidDataException>(() => LearnerCheckpoint.Load(dir, buckets, model)).Message);
    }
}
