using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Rollouts;
using Gipo.Cluster.Runtime;
using Gipo.Core.Algorithm;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Learning;
using static TorchSharp.torch;

namespace Gipo.Cluster.Replay;

/// <summary>
/// Rebuilds learner step S of a run from its record and runs it again (<c>gipo replay</c>; docs/architecture.md,
/// "Deterministic replay"): the last checkpoint the journal committed before S (the base model when none), the settings
/// in force (<see cref="SettingsInForce"/>), the scheduler and probe state the checkpoint holds, and the batches the
/// rollout log recorded for every step from the checkpoint up to S (steps between the checkpoint and S are replayed
/// too, and their parameters checked). It then compares step S's learner metrics with <c>metrics.jsonl</c> and the
/// parameters' SHA-256 with the one the rollout log recorded.
/// <para>
/// A step is a pure function of (checkpoint, batch, settings, seed, step): its random draws are seeded by (seed, step)
/// or come from the probe's checkpointed generators, and the groups are in the order the learner trained them. The one
/// process-wide input left is the intra-op thread count, which fixes how CPU kernels split their reductions: the
/// replay uses the count the rollout log recorded for each step. On CPU the replay is then bit-identical; on a GPU
/// (non-deterministic kernels) the report gives the largest difference instead.
/// </para>
/// </summary>
public static class StepReplay
{
    // Written into the dump folder.
    private const string DumpBatch = "batch.jsonl";
    private const string DumpTensors = "tensors.safetensors";

    /// <summary>Replays <paramref name="options"/>.Step of the run in <paramref name="folder"/>.</summary>
    /// <param name="log">Progress lines (which checkpoint, which steps).</param>
    /// <exception cref="ArgumentException">The step is not in the record (not reached, pruned, no checkpoint before it).</exception>
    /// <exception cref="InvalidDataException">The record is damaged (the message names the file and line).</exception>
    public static ReplayReport Run(RunFolder folder, ReplayOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(options);
        var target = options.Step;
        if (target < 1) throw new ArgumentException($"--step {target}: learner steps start at 1");
        var journal = ReadJournal(folder, options.Journal);
        // Live changes (gipo set) journaled for the run: each replayed step runs with the settings in force at it.
        List<SettingsChanged> changes = [.. journal.Snapshot?.SettingsChanges ?? [], .. journal.Events.OfType<SettingsChanged>()];
        var runConf = folder.ReadConfig();
        var settings = SettingsInForce.At(runConf, changes, target);
        var algorithm = AlgorithmSettingsReader.Read(settings);
        var run = RunSettings.Read(settings);

        var store = new RolloutStore(folder.Rollouts);
        if (store.Files().Count == 0) throw new ArgumentException($"run {folder.Id} has no rollout log ({folder.Rollouts}): nothing to replay from");
        var checkpoints = CommittedCheckpoints(journal, folder.Root);
        var from = checkpoints.Keys.Where(k => k <= target - 1).DefaultIfEmpty(0).Max();
        if (from + 1 < store.KeptFromStep)
            throw new ArgumentException($"step {target} needs the batches of steps {from + 1}…{target}, " +
                                        $"but the rollout log keeps steps from {store.KeptFromStep} on (run.rollout-log-max-mb pruned the rest)");
        var steps = ReadSteps(store, from + 1, target);
        for (var k = from + 1; k <= target; k++)
        {
            if (!steps.ContainsKey(k))
                throw new ArgumentException($"step {k} is not in the rollout log of run {folder.Id} (the run has not completed it yet?)");
        }
        var original = OriginalMetrics(folder, target);

        var device = TorchRuntime.ResolveDevice(run.Device);
        var baseDir = run.BaseCheckpoint.Length > 0 ? Path.GetFullPath(run.BaseCheckpoint) : Path.Combine(folder.Sft, "checkpoint");
        using var policy = HfCheckpoint.Load(baseDir, device);
        using var reference = algorithm.Loss.KlBeta > 0 ? HfCheckpoint.Load(baseDir, device) : null;
        var (tokenizer, _) = CheckpointTokenizer.Load(baseDir, policy.Config);
        using var learner = new GipoLearner(policy, tokenizer, algorithm, reference, run.Seed);
        if (from > 0)
        {
            var (manifest, sha) = checkpoints[from];
            LearnerCheckpoint.Load(Path.GetDirectoryName(manifest)!, learner, policy, sha);
            log?.Invoke($"replay: from the checkpoint of step {from} ({Path.GetDirectoryName(manifest)}), " +
                        $"replaying steps {from + 1}…{target} from the rollout log");
        }
        else log?.Invoke($"replay: no checkpoint before step {target}: from the base model ({baseDir}), " +
                         $"replaying steps 1…{target} from the rollout log");

        var differences = new List<MetricDifference>();
        LearnerStepMetrics? last = null;
        AdvantageTrace? trace = null;
        var replayedSha = "";
        var threads = 0;
        IReadOnlyList<string> inForce = [];
        for (var k = from + 1; k <= target; k++)
        {
            var (stepLine, groups, _) = steps[k];
            threads = stepLine["torch_threads"]?.GetValue<int>() ?? throw new InvalidDataException($"{store.Directory}: " +
                                                                                                   $"the step line of step {k} has no torch_threads");
            if (device.type == TorchSharp.DeviceType.CPU) TorchRuntime.SetThreads(threads);
            var overrides = SettingsInForce.Overrides(changes, k);
            if (!overrides.SequenceEqual(inForce))
            {
                // As the learner actor does at a step boundary whose batch carries changes it has not applied yet.
                learner.Reconfigure(AlgorithmSettingsReader.Read(SettingsInForce.At(runConf, changes, k)));
                inForce = overrides;
            }
            learner.AdvantageObserver = k == target && options.DumpDirectory is not null ? t => trace = t : null;
            last = learner.Train(groups);
            if (learner.Step != k) throw new InvalidDataException($"the learner is at step {learner.Step} after replaying step {k}: " +
                                                                  $"the checkpoint of step {from} does not fit");
            replayedSha = PolicyWeights.Export(policy, learner.PolicyVersion).Sha256;
            var recordedSha = stepLine["params_sha256"]?.GetValue<string>() ?? "";
            if (!string.Equals(recordedSha, replayedSha, StringComparison.Ordinal))
                differences.Add(new MetricDifference(k, "params_sha256", recordedSha, replayedSha, double.PositiveInfinity));
        }

        var originalSha = steps[target].StepLine["params_sha256"]?.GetValue<string>() ?? "";
        var compared = 0;
        var maxAbs = 0.0;
        foreach (var (key, replayed) in LearnerMetricsLine.StepMetrics(last!))
        {
            compared += Compare(target, key, original[key], replayed, differences, ref maxAbs);
        }
        if (differences.Any(d => d.Key == "params_sha256" && d.Step == target) && checkpoints.TryGetValue(target, out var after))
            maxAbs = Math.Max(maxAbs, ParameterDifference(policy, Path.GetDirectoryName(after.Manifest)!, target, differences));

        var identical = differences.Count == 0;
        var report = new ReplayReport(target, from, [.. Enumerable.Range((int)from + 1, (int)(target - from)).Select(i => (long)i)], identical,
            identical ? 0 : maxAbs, originalSha, replayedSha, compared, threads, differences);
        if (options.DumpDirectory is { } dump) Dump(dump, steps[target], trace, report);
        return report;
    }

    private static RunJournal ReadJournal(RunFolder folder, JournalDatabase? database) =>
        (database is null ? RunJournalReader.ReadAsync(folder.Database, folder.Id) : RunJournalReader.ReadAsync(database, folder.Id)).GetAwaiter()
            .GetResult();

    /// <summary>Committed checkpoints by learner step (the last commit of a step wins), from the run's journal.</summary>
    private static Dictionary<long, (string Manifest, string Sha256)> CommittedCheckpoints(RunJournal journal, string root)
    {
        var result = new Dictionary<long, (string, string)>();
        // Journaled paths are relative to the run folder (older runs: absolute); resolved here, once.
        if (journal.Snapshot?.LastCheckpoint is { } c) result[c.LearnerStep] = (CheckpointPath.Resolve(root, c.Path), c.Sha256);
        foreach (var e in journal.Events.OfType<CheckpointCommitted>()) result[e.LearnerStep] = (CheckpointPath.Resolve(root, e.Path), e.Sha256);
        return result;
    }

    /// <summary>The step line and the trained groups (in training order) of steps <paramref name="first"/>…<paramref name="last"/>.</summary>
    private static Dictionary<long, (JsonObject StepLine, List<ScoredGroup> Groups, List<JsonObject> GroupLines)> ReadSteps(RolloutStore store,
        long first, long last)
    {
        var steps = new Dictionary<long, (JsonObject, List<ScoredGroup>, List<JsonObject>)>();
        foreach (var (line, file, number) in store.Read())
        {
            var step = line["step"]!.GetValue<long>();
            if (step < first || step > last) continue;
            var kind = line["kind"]?.GetValue<string>();
            if (kind == "step")
            {
                if (steps.ContainsKey(step)) throw new InvalidDataException($"{file}, line {number}: step {step} is recorded twice");
                steps[step] = (line, [], []);
            }
            else if (kind == "group" && line["status"]?.GetValue<string>() == RolloutRecords.Consumed)
            {
                if (!steps.TryGetValue(step, out var s)) throw new InvalidDataException($"{file}, line {number}: " +
                                                                                        $"a group of step {step} before the step's own line");
                s.Item2.Add(RolloutRecords.ToScoredGroup(line, $"{file}, line {number}"));
                s.Item3.Add(line);
            }
        }
        foreach (var (step, (line, groups, _)) in steps)
        {
            var ids = line["groups"]!.AsArray().Select(x => x!.GetValue<long>()).ToList();
            if (!ids.SequenceEqual(groups.Select(g => g.GroupId)))
                throw new InvalidDataException($"{store.Directory}: step {step} lists groups [{string.Join(", ", ids)}] but records " +
                                               $"[{string.Join(", ", groups.Select(g => g.GroupId))}]");
        }
        return steps;
    }

    /// <summary>Step <paramref name="step"/>'s learner line of <c>metrics.jsonl</c>.</summary>
    private static JsonObject OriginalMetrics(RunFolder folder, long step)
    {
        if (!File.Exists(folder.Metrics)) throw new ArgumentException($"run {folder.Id} has no metrics log ({folder.Metrics})");
        JsonObject? found = null;
        var number = 0;
        foreach (var text in File.ReadLines(folder.Metrics))
        {
            number++;
            JsonObject? line;
            try
            {
                line = JsonNode.Parse(text) as JsonObject;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{folder.Metrics}, line {number}: {e.Message}", e);
            }
            if (line?["step"]?.GetValue<long>() == step && line["pg_loss"] is not null) found = line;
        }
        return found ?? throw new ArgumentException($"{folder.Metrics} has no learner line for step {step}");
    }

    /// <summary>Compares one key (arrays element by element, numbers bit for bit); returns the values compared.</summary>
    private static int Compare(long step, string key, JsonNode? original, JsonNode? replayed, List<MetricDifference> differences, ref double maxAbs)
    {
        if (replayed is JsonArray ra)
        {
            var oa = original as JsonArray;
            var n = Math.Max(ra.Count, oa?.Count ?? 0);
            var count = 0;
            for (var i = 0; i < n; i++)
                count += Compare(step, $"{key}[{i}]", oa is not null && i < oa.Count ? oa[i] : null, i < ra.Count ? ra[i]
                    : null, differences, ref maxAbs);
            if (oa is null) differences.Add(new MetricDifference(step, key, Text(original), Text(replayed), double.PositiveInfinity));
            return count;
        }
        var a = Number(original);
        var b = Number(replayed);
        if (a is { } x && b is { } y)
        {
            if (BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y)) return 1;
            var diff = Math.Abs(x - y);
            maxAbs = Math.Max(maxAbs, diff);
            differences.Add(new MetricDifference(step, key, Text(original), Text(replayed), diff));
            return 1;
        }
        if (Text(original) != Text(replayed)) differences.Add(new MetricDifference(step, key, Text(original), Text(replayed),
                                                                                   double.PositiveInfinity));
        return 1;
    }

    private static double? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    // Numbers in their shortest round-trip form on both sides, so equal values print equal.
    private static string Text(JsonNode? node) => node is null ? "null" : Number(node) is { } d ? d.ToString("R", CultureInfo.InvariantCulture)
        : node.ToJsonString();

    /// <summary>max |θ_original − θ_replayed| against the checkpoint written after the step; adds the largest as a difference.</summary>
    private static double ParameterDifference(PolicyModel replayed, string checkpoint, long step, List<MetricDifference> differences)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var original = HfCheckpoint.Load(checkpoint, replayed.Device);
        var theirs = original.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        double max = 0;
        var worst = "";
        foreach (var (name, p) in replayed.named_parameters())
        {
            if (!theirs.TryGetValue(name, out var o)) continue;
            var d = (p.detach().to(float64) - o.detach().to(float64)).abs().max().item<double>();
            if (d > max) (max, worst) = (d, name);
        }
        if (max > 0) differences.Add(new MetricDifference(step, $"params ({worst})", "checkpoint", "replay", max));
        return max;
    }

    /// <summary>Writes the batch of the step, its per-token tensors and the report into <paramref name="directory"/>.</summary>
    private static void Dump(string directory, (JsonObject StepLine, List<ScoredGroup> Groups, List<JsonObject> GroupLines) step,
                             AdvantageTrace? trace, ReplayReport report)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteText(Path.Combine(directory, DumpBatch),
            string.Concat(new[] { step.StepLine }.Concat(step.GroupLines).Select(l => l.ToJsonString() + "\n")));
        var rows = step.Groups.SelectMany(g => g.Members).ToList();
        var width = Math.Max(1, rows.Max(t => t.ResponseTokens.Length));
        var tokens = new long[rows.Count * width];
        var mask = new float[rows.Count * width];
        var behaviour = new float[rows.Count * width];
        var recorded = new float[rows.Count * width];
        var replayed = new float[rows.Count * width];
        var members = step.GroupLines.SelectMany(l => l["members"]!.AsArray()).ToList();
        for (var n = 0; n < rows.Count; n++)
        {
            var t = rows[n];
            var original = members[n]!["token_advantages"] as JsonArray;
            for (var j = 0; j < t.ResponseTokens.Length; j++)
            {
                tokens[n * width + j] = t.ResponseTokens[j];
                mask[n * width + j] = 1;
                behaviour[n * width + j] = t.BehaviourLogProbs[j];
                recorded[n * width + j] = original is not null && j < original.Count && original[j] is JsonValue v ? v.GetValue<float>() : float.NaN;
                replayed[n * width + j] = trace is not null ? trace.Tokens[n][j] : float.NaN;
            }
        }
        using var scope = NewDisposeScope();
        long[] shape = [rows.Count, width];
        SafeTensors.Save(Path.Combine(directory, DumpTensors),
        [
            ("response_tokens", tensor(tokens, shape)), ("mask", tensor(mask, shape)), ("behaviour_logprobs", tensor(behaviour, shape)),
            ("advantages_recorded", tensor(recorded, shape)), ("advantages_replayed", tensor(replayed, shape)),
        ], new Dictionary<string, string> { ["step"] = report.Step.ToString(CultureInfo.InvariantCulture) });
        AtomicFile.WriteText(Path.Combine(directory, "replay.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions
        {
            WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }) + "\n");
    }
}
