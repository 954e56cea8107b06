using System.CommandLine;
using System.Text.Json;
using Gipo.Bench.Processes;
using Gipo.Cli;

namespace Gipo.Bench;

/// <summary>
/// <c>gipo-bench cluster</c>: trajectories/s of the same run with 1, 2, 3… sampler processes (<c>gipo node</c> on
/// 127.0.0.1, one coordinator+learner node, PostgreSQL journal), one run after another in one invocation, so the rows
/// are comparable. The window starts at step 2 (every node has joined and loaded weights) and ends at the last step.
/// </summary>
internal static class ClusterBenchCommand
{
    private const string DefaultBase = "tests/Gipo.Cluster.Tests/Fixtures/sft-column-add-small";
    private const string DefaultPreset = "hocon/quickstart.conf";

    /// <summary>One row: the run with <paramref name="SamplerNodes"/> sampler processes.</summary>
    internal sealed record Row(int SamplerNodes, double GeneratedPerSecond, double TrainedPerSecond, double LearnerIdle, double StalenessMean,
                               double WindowSeconds, bool Clean);

    public static Command Create()
    {
        var samplers = new Option<string>("--samplers") { Description = "comma list of sampler-process counts", DefaultValueFactory = _ => "1,2,3" };
        var steps = new Option<int>("--steps") { Description = "learner steps per run (window: step 2 to the last)", DefaultValueFactory = _ => 12 };
        var postgres = new Option<string?>("--postgres") { Description = "Npgsql connection string of the journal [GIPO_POSTGRES]" };
        var baseCheckpoint = new Option<string?>("--base") { Description = $"checkpoint the runs start from (default: " +
                                                                           $"{DefaultBase} found from the working folder up)" };
        var config = new Option<string?>("--config") { Description = $"preset (default: {DefaultPreset} found from the working folder up)" };
        var set = new Option<string[]>("--set") { Description = "override a key for every run (repeatable)", AllowMultipleArgumentsPerToken = false };
        var workDir = new Option<string>("--work-dir") { Description = "logs and run folders",
            DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), $"gipo-bench-cluster-{Environment.ProcessId}") };
        var json = new Option<bool>("--json") { Description = "last output line: one JSON array of the rows" };
        var command = new Command("cluster", "Trajectories/s with 1, 2, 3 sampler processes (gipo node on loopback, " +
                                             "PostgreSQL journal), one run each.")
        {
            samplers, steps, postgres, baseCheckpoint, config, set, workDir, json,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var counts = r.GetValue(samplers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(c => int.TryParse(c, out var n) && n is > 0 and <= 16 ? n
                    : throw new ArgumentException($"--samplers: '{c}' is not a count in 1..16")).ToList();
            var stepCount = r.GetValue(steps);
            if (stepCount < 4) throw new ArgumentException("--steps must be at least 4 (the window starts at step 2)");
            var pg = r.GetValue(postgres) ?? GipoEnvironment.Get(GipoEnvironment.Postgres)
                     ?? throw new ArgumentException("--postgres (or GIPO_POSTGRES) is required: the nodes journal to PostgreSQL");
            var work = Path.GetFullPath(r.GetValue(workDir)!);
            var settings = new ClusterRunSettings(GipoProgram.Dll, work, pg,
                Path.GetFullPath(r.GetValue(baseCheckpoint) ?? WorkingFolder.FindUp(DefaultBase)
                    ?? throw new ArgumentException($"no --base given and {DefaultBase} not found from the working folder up")),
                Path.GetFullPath(r.GetValue(config) ?? WorkingFolder.FindUp(DefaultPreset)
                    ?? throw new ArgumentException($"no --config given and {DefaultPreset} not found from the working folder up")),
                Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf"), stepCount, 8, TimeSpan.FromSeconds(5),
                ["run.eval-every=0", "run.eval-prompts=16", "run.eval-samples=1", "run.checkpoint-every=1000", .. r.GetValue(set) ?? []]);
            var rows = counts.Select(n => Measure(settings, n)).ToList();

            Console.WriteLine($"{"sampler processes",17} {"generated/s",12} {"trained/s",10} {"learner idle",13} {"staleness",10} " +
                              $"{"window s",9} audit");
            foreach (var row in rows)
                Console.WriteLine($"{row.SamplerNodes,17} {row.GeneratedPerSecond,12:F1} {row.TrainedPerSecond,10:F1} {row.LearnerIdle,13:P0} " +
                                  $"{row.StalenessMean,10:F2} {row.WindowSeconds,9:F1} {(row.Clean ? "clean" : "PROBLEMS")}");
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores; one coordinator+learner process and N sampler+scorer processes, " +
                              $"{stepCount} steps of {settings.GroupsPerStep} groups each");
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(rows,
                new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return rows.All(row => row.Clean) ? 0 : 5;
        }));
        return command;
    }

    private static Row Measure(ClusterRunSettings settings, int samplerNodes)
    {
        var names = Enumerable.Range(1, samplerNodes).Select(i => $"sampler-{i}").ToList();
        using var run =
            new ClusterRun(settings, $"bench-{samplerNodes}-{DateTime.UtcNow:HHmmss}-{Random.Shared.Next(1000, 9999)}", ["learner-1", names[0]],
            line => Console.Error.WriteLine($"bench: {line}"));
        // Every node is a member before the learner's first step can be taken, so all of them are generating in the window.
        run.Start("learner-1", "coordinator,learner");
        foreach (var name in names) run.Start(name, "sampler,scorer", wait: false);
        foreach (var name in names)
            if (!run.Nodes.WaitUp(name,
                                  TimeSpan.FromSeconds(90))) throw new InvalidOperationException($"{name} did not join:\n{run.Nodes.Tail(name)}");
        var report = run.Finish($"bench-{samplerNodes}", TimeSpan.FromMinutes(15));
        var lines = run.MetricsLines();
        var first = lines.First(l => l.GetProperty("step").GetInt64() == 2);
        var last = lines[^1];
        double D(string key) => last.GetProperty(key).GetDouble() - first.GetProperty(key).GetDouble();
        // Each line's "seconds" is its step's wall time (waiting for the batch included), so the window is their sum.
        var window = lines.Where(l => l.GetProperty("step").GetInt64() > 2).ToList();
        var seconds = window.Sum(l => l.GetProperty("seconds").GetDouble());
        return new Row(samplerNodes, Math.Round(D("samples_generated") / seconds, 2), Math.Round(D("samples_total") / seconds, 2),
            Math.Round(window.Average(l => l.GetProperty("learner_idle_fraction").GetDouble()), 3),
            Math.Round(window.Average(l => l.GetProperty("staleness_mean").GetDouble()), 2), Math.Round(seconds, 1), report.Final.Clean
                && report.Final.Finished);
    }
}
