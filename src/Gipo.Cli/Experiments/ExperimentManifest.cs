using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Model.Checkpoints;

namespace Gipo.Cli.Experiments;

/// <summary>
/// <c>manifest.json</c> of an experiment: the plan (name, SHA-256, primary metrics), the code (git commit and whether
/// the tree had uncommitted changes), the machine, the SFT warm starts, every run with its status, config hash and wall
/// time, and the invocations that produced them. Rewritten whole (temp file and rename) after every run, from what
/// the run folders hold, so it is right after any interruption and across invocations.
/// </summary>
public sealed class ExperimentManifest
{
    private readonly ExperimentPlan plan;
    private readonly ExperimentLayout layout;
    private readonly string planPath;
    private readonly JsonObject? git = GitState();
    private readonly JsonObject machine;
    private readonly JsonArray invocations;
    private readonly JsonObject invocation;
    private readonly Dictionary<string, JsonNode> earlierSft = new(StringComparer.Ordinal);
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly object gate = new();

    /// <param name="device">Where the runs train (e.g. <c>cpu</c>, <c>cuda: NVIDIA H100</c>).</param>
    /// <param name="arguments">This invocation's command-line options (recorded with its wall time).</param>
    public ExperimentManifest(ExperimentPlan plan, ExperimentLayout layout, string planPath, string device, string arguments)
    {
        this.plan = plan;
        this.layout = layout;
        this.planPath = planPath;
        machine = new JsonObject
        {
            ["os"] = RuntimeInformation.OSDescription, ["architecture"] = RuntimeInformation.OSArchitecture.ToString(),
            ["cores"] = Environment.ProcessorCount, ["memory_bytes"] = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            ["dotnet"] = RuntimeInformation.FrameworkDescription, ["device"] = device, ["host"] = Environment.MachineName,
        };
        // Earlier invocations stay on record: the experiment's wall time is that of all of them; and so do the warm starts
        // they prepared, which a later invocation with nothing left to train does not prepare again.
        var previous = Previous(layout.Manifest);
        invocations = previous?["invocations"] is JsonArray earlier ? (JsonArray)earlier.DeepClone() : [];
        if (previous?["sft"] is JsonArray sft)
            foreach (var entry in sft.OfType<JsonObject>())
                if (entry["task"]?.GetValue<string>() is { } task && plan.Tasks.Any(t => t.Name == task)) earlierSft[task] = entry.DeepClone();
        invocation = new JsonObject { ["started"] = DateTimeOffset.UtcNow, ["arguments"] = arguments, ["wall_seconds"] = 0.0 };
        invocations.Add(invocation);
    }

    /// <summary>Writes the manifest as the run folders and <paramref name="sft"/> (the warm starts prepared so far) show it now.</summary>
    public void Write(IReadOnlyDictionary<string, SftWarmStartResult> sft)
    {
        lock (gate)
        {
            invocation["wall_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
            var runs = new JsonArray();
            foreach (var run in plan.Runs)
            {
                var record = ExperimentRunRecord.Read(layout.Run(run.Id));
                var config = layout.RunConfig(run.Id);
                runs.Add(new JsonObject
                {
                    ["id"] = run.Id, ["task"] = run.Task.Name, ["method"] = run.Method.Name, ["seed"] = run.Seed,
                    ["status"] = layout.Status(run.Id, plan.Evaluation.Splits).ToString().ToLowerInvariant(),
                    ["config_sha256"] = File.Exists(config) ? FileSha256(config) : null,
                    ["sft_hash"] = record?.SftHash ?? (sft.TryGetValue(run.Task.Name, out var s) ? s.Hash : null),
                    ["wall_seconds"] = record?.WallSeconds, ["started"] = record?.Started, ["finished"] = record?.FinishedAt,
                });
            }
            var manifest = new JsonObject
            {
                ["name"] = plan.Name, ["description"] = plan.Description, ["plan_file"] = planPath, ["plan_sha256"] = plan.Sha256,
                ["plan_copy"] = Path.GetFileName(layout.PlanCopy),
                ["primary_metrics"] = new JsonArray([.. plan.PrimaryMetrics.Select(m => (JsonNode?)m)]),
                ["baselines"] = new JsonArray([.. plan.Baselines.Select(m => (JsonNode?)m)]),
                ["git"] = git?.DeepClone(), ["machine"] = machine.DeepClone(),
                ["sft"] = new JsonArray([.. plan.Tasks.Select(t => sft.TryGetValue(t.Name, out var s)
                        ? new JsonObject { ["task"] = s.Task, ["hash"] = s.Hash, ["folder"] = Path.GetRelativePath(layout.Root, s.Folder),
                                          ["pass_at_1"] = s.PassAt1 }
                        : earlierSft.GetValueOrDefault(t.Name)?.DeepClone())
                    .Where(e => e is not null)]),
                ["runs"] = runs,
                ["total_wall_seconds"] = Math.Round(invocations.Sum(i => i?["wall_seconds"]?.GetValue<double>() ?? 0), 1),
                ["invocations"] = invocations.DeepClone(),
                ["updated"] = DateTimeOffset.UtcNow,
            };
            AtomicFile.WriteText(layout.Manifest, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }

    /// <summary>SHA-256 (lowercase hex) of a file's bytes.</summary>
    public static string FileSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static JsonObject? Previous(string path)
    {
        try
        {
            return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject : null;
        }
        catch (JsonException)
        {
            return null; // a manifest that cannot be read is rebuilt; the run folders are the record
        }
    }

    /// <summary>The commit of the working directory's git checkout and whether tracked files differ from it; null without git.</summary>
    private static JsonObject? GitState()
    {
        var commit = Git("rev-parse HEAD");
        if (commit is null) return null;
        var changes = Git("status --porcelain --untracked-files=no");
        return new JsonObject { ["commit"] = commit, ["dirty"] = changes is null ? null : changes.Length > 0 };
    }

    private static string? Git(string arguments)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true,
                                                                                UseShellExecute = false });
            if (p is null) return null;
            var output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine
        }
    }
}
