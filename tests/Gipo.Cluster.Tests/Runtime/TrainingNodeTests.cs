using System.Text.Json.Nodes;
using Akka.Configuration;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Runtime;
using Gipo.Model.Native;
using Xunit.Abstractions;

namespace Gipo.Cluster.Tests.Runtime;

/// <summary>
/// Whole runs on the one-node actor system (cluster provider, singletons, SQLite journal in the run folder) from the
/// committed 0.6M-parameter ColumnAdd SFT checkpoint, every message serialized. A run ends at its target with a clean
/// journal audit; a synchronous run stopped after a checkpoint and resumed from the journal ends with the same
/// metrics, policy version and consumed prompts as one that never stopped.
/// </summary>
public sealed class TrainingNodeTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string Base = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small");
    private static readonly Config Serialized = ConfigurationFactory.ParseString("akka.actor.serialize-messages = " +
                                                                                 "on\nakka.actor.serialize-creators = off");
    private readonly string root = Directory.CreateTempSubdirectory("gipo-node-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(root, true); }
        catch (IOException) { } // best effort
    }

    private static GipoSettings Settings(params string[] overrides) =>
        GipoSettings.Load(Path.Combine(AppContext.BaseDirectory, "hocon", "quickstart.conf"),
    [
        "run.torch-threads=0", "run.steps=4", "run.checkpoint-every=2", "run.eval-every=2", "run.eval-prompts=24", "run.eval-samples=2",
        "algorithm.batch.groups-per-step=4", "algorithm.batch.group-size=6", "algorithm.batch.max-new-tokens=48", "algorithm.optim.minibatches=2",
        .. overrides,
    ]);

    private RunFolder NewFolder(string id, GipoSettings settings)
    {
        var folder = new RunFolder(Path.Combine(root, id));
        folder.WriteConfig(settings);
        return folder;
    }

    [Fact(DisplayName = "An asynchronous run (η = 2) reaches its target step; metrics.jsonl keeps its contract; the journal audits clean; tb/, " +
                        "samples/ and retention")]
    public async Task Asynchronous_run_finishes_with_a_clean_ledger()
    {
        NativeTorch.EnsureLoaded();
        var settings = Settings("run.keep-checkpoints=1", "run.eval-log-samples=5");
        var folder = NewFolder("async", settings);
        // The node's cluster-health meter, as an OTLP exporter would see it (a listener of the "Gipo" meter).
        var steps = 0L;
        var groups = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Gipo.Cluster.Telemetry.ClusterHealthMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "gipo.learner.steps") Interlocked.Add(ref steps, value);
            if (instrument.Name == "gipo.groups") foreach (var t in tags) groups[(string)t.Value!] = value;
        });
        listener.Start();
        var node = await TrainingNode.StartAsync(folder, settings, Base, new NodeOptions(Serialized));
        RunOutcome outcome;
        // The gauges are read when polled, as an exporter's reader does; the node disposes its meter at the end.
        using (new Timer(_ => listener.RecordObservableInstruments(), null, 0, 200))
            outcome = await node.RunAsync().WaitAsync(TimeSpan.FromMinutes(5));

        Assert.True(outcome.Finished, outcome.Error);
        Assert.Equal(4, outcome.Step);
        Assert.Equal(4, outcome.PolicyVersion);
        var lines = Lines(folder);
        Assert.Equal([0, 1, 2, 3, 4], lines.Select(l => (long)l["step"]!));
        foreach (var l in lines)
            foreach (var key in new[] { "step", "policy_version", "reward_mean", "samples_total" }) Assert.True(l.ContainsKey(key),
                $"{key} missing in {l}");
        Assert.Equal([0L, 2, 4], lines.Where(l => l.ContainsKey("eval_pass_at_1")).Select(l => (long)l["step"]!));
        Assert.True(File.Exists(Path.Combine(folder.Root, "pass-at-1.png")));
        Assert.True(File.Exists(Path.Combine(folder.Checkpoints, "step-000004", "manifest.json")));

        // Other test classes may run nodes at the same time: at least this run's steps and consumed groups.
        Assert.True(Interlocked.Read(ref steps) >= 4, $"gipo.learner.steps = {steps}");
        Assert.True(groups.TryGetValue("consumed", out var consumed) && consumed >= 1, "gipo.groups{state=consumed} not reported");

        // Watching: every line's scalars in tb/ at its step, 5 generations per evaluation, one checkpoint kept.
        var events = Metrics.TensorBoardEventReader.Scalars(folder.TensorBoard);
        Assert.Equal([0L, 1, 2, 3, 4], events.Where(e => e.Tag == "actor/policy_version").Select(e => e.Step));
        Assert.Equal([1L, 2, 3, 4], events.Where(e => e.Tag == "rollout/reward_mean").Select(e => e.Step)); // null before the first step
        Assert.Equal([0L, 2, 4], events.Where(e => e.Tag == "eval/pass_at_1").Select(e => e.Step));
        foreach (var l in lines.Where(l => l.ContainsKey("eval_pass_at_1")))
            Assert.Equal((float)(double)l["eval_pass_at_1"]!, events.Single(e => e.Tag == "eval/pass_at_1" && e.Step == (long)l["step"]!).Value);
        Assert.Equal(["step-000000.jsonl", "step-000002.jsonl", "step-000004.jsonl"],
            Directory.GetFiles(folder.Samples).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var samples = File.ReadAllLines(Path.Combine(folder.Samples, "step-000004.jsonl")).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        Assert.Equal(5, samples.Count);
        Assert.All(samples,
                   x => Assert.True(x.ContainsKey("prompt") && x.ContainsKey("response") && x.ContainsKey("reward") && (long)x["step"]! == 4));
        Assert.Equal(["step-000004"], Directory.GetDirectories(folder.Checkpoints).Select(Path.GetFileName));
        var manifest = Gipo.Model.Checkpoints.LearnerCheckpoint.Verify(Path.Combine(folder.Checkpoints, "step-000004"));
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "README.md" })
            Assert.Contains(manifest.Files, f => f.Name == name);
        var card = File.ReadAllText(Path.Combine(folder.Checkpoints, "step-000004", "README.md"));
        Assert.Contains("column-add", card);
        Assert.Contains("eval_pass_at_1 (step 4)", card);

        var ledger = RunSettings.Read(settings).Ledger(AlgorithmSettingsReader.Read(settings));
        var journal = await RunJournalReader.ReadAsync(folder.Database, folder.Id);
        var audit = LedgerAudit.Run(ledger, journal.Events);
        output.WriteLine($"audit: {audit.Counts}; staleness max {lines.Max(l => (double?)l["staleness_max"] ?? 0)}");
        Assert.True(audit.Clean, string.Join("\n", audit.Problems()));
        Assert.Equal(4, audit.FinalLearnerStep);
        // Each step consumed B = 4 groups, or fewer where dynamic sampling had examined max-gen-rounds·B groups (§A.7).
        var perStep = audit.Consumptions.Where(c => !c.Undone).GroupBy(c => c.LearnerStep).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([1L, 2, 3, 4], perStep.Keys.Order());
        Assert.All(perStep.Values, n => Assert.InRange(n, 1, 4));
        Assert.Equal(perStep.Values.Sum(), (long)lines[^1]["groups_consumed"]!);
        Assert.All(lines.Skip(1), l => Assert.True((double)l["staleness_max"]! <= 2));
    }

    [Fact(DisplayName = "A synchronous run stopped after a checkpoint and resumed ends with the same metrics, " +
                        "version and consumed prompts as an uninterrupted one")]
    public async Task Resumed_synchronous_run_matches_an_uninterrupted_one()
    {
        NativeTorch.EnsureLoaded();
        var settings = Settings("algorithm.off-policy.max-staleness=0");
        var ledger = RunSettings.Read(settings).Ledger(AlgorithmSettingsReader.Read(settings));

        var straight = NewFolder("straight", settings);
        var a = await (await TrainingNode.StartAsync(straight, settings, Base, new NodeOptions(Serialized))).RunAsync()
            .WaitAsync(TimeSpan.FromMinutes(5));
        Assert.True(a.Finished, a.Error);

        // The second run is stopped once step 3 is logged: after the step-2 checkpoint, with step 3 trained and
        // journaled but not checkpointed, so the resume must roll it back and train it again.
        var resumed = NewFolder("resumed", settings);
        var first = await TrainingNode.StartAsync(resumed, settings, Base, new NodeOptions(Serialized));
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (!Lines(resumed).Any(l => (long)l["step"]! == 3))
        {
            Assert.True(DateTime.UtcNow < deadline, "step 3 never logged");
            await Task.Delay(50);
        }
        await first.System.Terminate(); // no coordinated leave: the journal is all the next process has
        var b = await (await TrainingNode.StartAsync(resumed, settings, Base, new NodeOptions(Serialized))).RunAsync()
            .WaitAsync(TimeSpan.FromMinutes(5));
        Assert.True(b.Finished, b.Error);
        Assert.Equal((a.Step, a.PolicyVersion), (b.Step, b.PolicyVersion));

        // Not samples_total: it also counts the groups dynamic sampling filtered up to the moment the step completed, and a
        // group scored while the learner is inside a step lands on one side of that moment or the other by timing alone
        // (seen: 258 vs 264 at step 4, identical batches and losses). What each step trained on is compared exactly:
        // groups_consumed here, the consumed prompt slots per step below.
        string[] keys = ["step", "policy_version", "reward_mean", "groups_consumed", "eval_pass_at_1", "pg_loss", "grad_norm", "token_entropy",
                         "bucket_alpha", "ib_auroc"];
        var expected = Lines(straight).Select(l => Pick(l, keys)).ToList();
        var actual = Lines(resumed).Select(l => Pick(l, keys)).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++) Assert.True(expected[i] == actual[i], $"line {i}:\n uninterrupted {expected[i]}\n " +
                                                                                       $"resumed       {actual[i]}");

        var ja = LedgerAudit.Run(ledger, (await RunJournalReader.ReadAsync(straight.Database, straight.Id)).Events);
        var jb = LedgerAudit.Run(ledger, (await RunJournalReader.ReadAsync(resumed.Database, resumed.Id)).Events);
        Assert.True(ja.Clean, string.Join("\n", ja.Problems()));
        Assert.True(jb.Clean, string.Join("\n", jb.Problems()));
        Assert.True(jb.Counts.Rollbacks >= 1, "the resume did not roll back to the checkpoint");
        // The same prompt slots, at the same steps.
        static IEnumerable<string> Consumed(LedgerAuditReport r) =>
            r.Consumptions.Where(c => !c.Undone).OrderBy(c => c.LearnerStep).ThenBy(c => c.Sequence).Select(c => $"{c.LearnerStep}:{c.Sequence}");
        Assert.Equal(Consumed(ja), Consumed(jb));

        // The resume cut tb/ back to the checkpoint: every step once, with the uninterrupted run's values.
        static List<string> Events(RunFolder f) => [.. Metrics.TensorBoardEventReader.Scalars(f.TensorBoard)
            .Where(e => e.Tag is "rollout/reward_mean" or "actor/pg_loss" or "eval/pass_at_1").Select(e => $"{e.Step} {e.Tag} {e.Value}")];
        Assert.Equal(Events(straight), Events(resumed));
        Assert.Equal(Directory.GetFiles(straight.Samples).Select(Path.GetFileName), Directory.GetFiles(resumed.Samples).Select(Path.GetFileName));
        foreach (var file in Directory.GetFiles(straight.Samples))
            Assert.Equal(File.ReadAllText(file), File.ReadAllText(Path.Combine(resumed.Samples, Path.GetFileName(file))));
    }

    /// <summary>
    /// A real fault in the middle of learner step 3, after the step-2 checkpoint and with step 3's batch taken from the
    /// ledger: a directory stands where the step's rollout-log file goes (<c>rollouts/steps-000003.jsonl.gz</c>, the
    /// interval after the checkpoint), so the learner's append fails with the file system's own IOException after the
    /// step trained and before the ledger hears of it. The learner has no fault-injection hook: the fault is in what it
    /// writes to.
    /// </summary>
    private static string BlockRolloutFile(RunFolder folder, long intervalStart)
    {
        var blocked = Path.Combine(folder.Rollouts, Gipo.Cluster.Rollouts.RolloutStore.FileName(intervalStart));
        Directory.CreateDirectory(blocked);
        return blocked;
    }

    [Fact(DisplayName = "A learner that fails mid-step is restarted by its back-off supervisor, resumes from the intact last checkpoint, " +
                        "and the run finishes clean")]
    public async Task Learner_failure_resumes_from_the_last_checkpoint()
    {
        NativeTorch.EnsureLoaded();
        var settings = Settings();
        var folder = NewFolder("learner-failure", settings);
        var blocked = BlockRolloutFile(folder, 3);
        // The failed append deletes its temporary file (a successful one renames it): that is the first failure, and
        // clearing the fault then lets the restarted learner (a back-off of 1 s or more later) train step 3 again.
        var failures = 0;
        using var watcher = new FileSystemWatcher(folder.Rollouts, ".steps-000003.jsonl.gz.tmp-*");
        watcher.Deleted += (_, _) =>
        {
            if (Interlocked.Increment(ref failures) == 1) Directory.Delete(blocked);
        };
        watcher.EnableRaisingEvents = true;
        var outcome = await (await TrainingNode.StartAsync(folder, settings, Base, new NodeOptions(Serialized))).RunAsync()
            .WaitAsync(TimeSpan.FromMinutes(5));

        Assert.True(outcome.Finished, outcome.Error);
        Assert.Equal(4, outcome.Step);
        Assert.Equal(1, failures); // failed once, then step 3 ran again in the next incarnation
        Gipo.Model.Checkpoints.LearnerCheckpoint.Verify(Path.Combine(folder.Checkpoints, "step-000002"));
        var ledger = RunSettings.Read(settings).Ledger(AlgorithmSettingsReader.Read(settings));
        var audit = LedgerAudit.Run(ledger, (await RunJournalReader.ReadAsync(folder.Database, folder.Id)).Events);
        Assert.True(audit.Clean, string.Join("\n", audit.Problems()));
        Assert.Equal(1, audit.Counts.Rollbacks);
        Assert.Equal([0L, 1, 2, 3, 4], Lines(folder).Select(l => (long)l["step"]!));
        Assert.Equal([1L, 2, 3, 4], new Gipo.Cluster.Rollouts.RolloutStore(folder.Rollouts).Read().Where(l => (string)l.Line["kind"]! == "step")
            .Select(l => (long)l.Line["step"]!));
    }

    [Fact(DisplayName = "The same learner failure at the same step twice ends the run with its reason; one retry is all it gets")]
    public async Task Repeated_learner_failure_ends_the_run()
    {
        NativeTorch.EnsureLoaded();
        var settings = Settings();
        var folder = NewFolder("repeated-failure", settings);
        BlockRolloutFile(folder, 3); // for good: every try of step 3 fails the same way
        var outcome = await (await TrainingNode.StartAsync(folder, settings, Base, new NodeOptions(Serialized))).RunAsync()
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.False(outcome.Finished);
        Assert.Contains("learner step 3 failed twice with the same error", outcome.Error);
        // The first try and one retry from the step-2 checkpoint: one rollback, and step 3 never reported.
        var ledger = RunSettings.Read(settings).Ledger(AlgorithmSettingsReader.Read(settings));
        var audit = LedgerAudit.Run(ledger, (await RunJournalReader.ReadAsync(folder.Database, folder.Id)).Events);
        Assert.Equal(1, audit.Counts.Rollbacks);
        Assert.Equal([0L, 1, 2], Lines(folder).Select(l => (long)l["step"]!));
    }

    [Fact(DisplayName = "An adaptive_global run with the default six gsec buckets finishes: " +
                        "the learner's statistic and scheduler agree on one bucket")]
    public async Task Adaptive_global_run_finishes()
    {
        NativeTorch.EnsureLoaded();
        var settings = Settings("algorithm.entropy.mode=adaptive_global", "algorithm.gsec.calibration-steps=1", "run.steps=2", "run.eval-every=0");
        var folder = NewFolder("adaptive-global", settings);
        var outcome = await (await TrainingNode.StartAsync(folder, settings, Base, new NodeOptions(Serialized))).RunAsync()
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(outcome.Finished, outcome.Error);
        Assert.Equal(2, outcome.Step);
        Assert.All(Lines(folder).Skip(1), l => Assert.Single(l["bucket_alpha"]!.AsArray()));
    }

    private static List<JsonObject> Lines(RunFolder folder)
    {
        if (!File.Exists(folder.Metrics)) return [];
        using var stream = new FileStream(folder.Metrics, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var text = new StreamReader(stream).ReadToEnd();
        var lines = new List<JsonObject>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try { lines.Add((JsonObject)JsonNode.Parse(line)!); }
            catch (System.Text.Json.JsonException) { } // a line being written
        }
        return lines;
    }

    // samples_total of the step-0 line depends on how far the samplers got during the first evaluation (they start at
    // once); from step 1 on it is fixed, since at η = 0 nothing is generated between a step and its log line.
    private static string Pick(JsonObject line, string[] keys) =>
        string.Join(", ", keys.Where(k => k != "samples_total" || (long)line["step"]! > 0).Select(k => $"{k}={line[k]?.ToJsonString()}"));
}
