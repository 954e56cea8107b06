using System.CommandLine;
using System.Text.Json;
using Gipo.Bench.Chaos;
using Gipo.Bench.Processes;
using Gipo.Cli;

namespace Gipo.Bench;

/// <summary>
/// <c>gipo-bench chaos</c>: the chaos scenarios as an explicit command, for the long randomized series that does not belong
/// in the default test run (the tests run short versions of the same code). Needs PostgreSQL; prints each kill and
/// the journal audit after it, and writes <c>chaos-report.json</c> in the work folder.
/// </summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var scenario = new Option<string>("--scenario") { Description = $"one of " +
                                                                        $"{string.Join(", ", ChaosScenarios.Names)}, or all",
                                                                        DefaultValueFactory = _ => "random" };
        var kills = new Option<int>("--kills") { Description = "SIGKILLs of the random series", DefaultValueFactory = _ => 20 };
        var steps = new Option<int>("--steps") { Description = "learner steps of each run", DefaultValueFactory = _ => 40 };
        var seed = new Option<int?>("--seed") { Description = "seed of the random series (default: from the clock; printed)" };
        var postgres = new Option<string?>("--postgres") { Description = "Npgsql connection string of the journal database [GIPO_POSTGRES]" };
        var baseCheckpoint = new Option<string>("--base") { Description = "HF checkpoint the runs start from", Required = true };
        var config = new Option<string>("--config") { Description = "preset of the runs",
                                                     DefaultValueFactory = _ => Path.Combine("hocon", "quickstart.conf") };
        var workDir = new Option<string>("--work-dir") { Description = "logs, run " +
            "folders and the report", DefaultValueFactory = _ => Path.Combine("runs", $"chaos-{DateTime.UtcNow:yyyyMMdd-HHmmss}") };
        var stableAfter = new Option<double>("--stable-after") { Description = "split-brain resolver stable-after, seconds " +
                                                                               "(how soon a killed node is downed)", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "print the reports as JSON" };
        var mix = new Option<bool>("--mix") { Description = "random series: mix graceful leaves (SIGTERM) and freezes " +
                                                            "(SIGSTOP past the resolver and the lease, then SIGCONT) into the SIGKILLs" };
        var command = new Command("chaos", "Chaos runs across gipo node processes on 127.0.0.1 (PostgreSQL journal): add nodes, SIGKILL them, " +
                                           "audit the journal after each kill.")
        {
            scenario, kills, steps, seed, postgres, baseCheckpoint, config, workDir, stableAfter, json, mix,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var which = r.GetValue(scenario)!;
            if (which != "all" && !ChaosScenarios.Names.Contains(which))
                throw new ArgumentException($"--scenario '{which}': allowed are {string.Join(", ", ChaosScenarios.Names)}, all");
            var pg = r.GetValue(postgres) ?? GipoEnvironment.Get(GipoEnvironment.Postgres)
                     ?? throw new ArgumentException("--postgres (or GIPO_POSTGRES) is required: chaos runs journal to PostgreSQL");
            var work = Path.GetFullPath(r.GetValue(workDir)!);
            var settings = new ClusterRunSettings(GipoProgram.Dll, work, pg, Path.GetFullPath(r.GetValue(baseCheckpoint)!),
                Path.GetFullPath(r.GetValue(config)!), Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf"), r.GetValue(steps), 4,
                TimeSpan.FromSeconds(r.GetValue(stableAfter)), ClusterRunSettings.SmallRun);
            var randomSeed = r.GetValue(seed) ?? Environment.TickCount & 0x7fffffff;
            void Log(string line) => Console.Error.WriteLine($"chaos: {line}");
            var reports = new List<ChaosReport>();
            var failed = new List<string>();
            foreach (var name in which == "all" ? ChaosScenarios.Names : [which])
            {
                Log($"scenario {name}, {settings.Steps} steps, work folder {work}");
                try
                {
                    reports.Add(name switch
                    {
                        "add-samplers" => ChaosScenarios.AddSamplers(settings, Log),
                        "kill-sampler" => ChaosScenarios.KillSampler(settings, Log),
                        "kill-learner" => ChaosScenarios.KillLearner(settings, Log),
                        "restart-first-seed" => ChaosScenarios.RestartFirstSeed(settings, Log),
                        "freeze-learner" => ChaosScenarios.FreezeLearner(settings, Log),
                        "partition" => ChaosScenarios.Partition(settings, Log),
                        _ => ChaosScenarios.RandomKills(settings, r.GetValue(kills), randomSeed, Log, r.GetValue(mix)),
                    });
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    // A node that never joined or a run that stalled: the scenario failed; say why and go on.
                    Log($"scenario {name} FAILED: {e.Message}");
                    failed.Add(name);
                }
            }
            var text = JsonSerializer.Serialize(reports,
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
            File.WriteAllText(Path.Combine(work, "chaos-report.json"), text);
            foreach (var report in reports)
            {
                var passed = report.Passed(settings.Steps);
                Console.Error.WriteLine($"chaos: {report.Scenario}: {(passed ? "PASSED" : "FAILED")} in {report.Seconds:F0} s; " +
                                        $"{report.Kills.Count} kill(s), " +
                                        $"{report.Kills.Count(k => k.Audit.Clean)} clean audit(s) after kills; final: {report.Final}");
                foreach (var problem in report.Kills.SelectMany(k => k.Audit.Problems)
                    .Concat(report.Final.Problems)) Console.Error.WriteLine($"  {problem}");
            }
            if (r.GetValue(json)) Console.WriteLine(text);
            return failed.Count == 0 && reports.All(rep => rep.Passed(settings.Steps)) ? 0 : 5;
        }));
        return command;
    }
}
