using System.CommandLine;
using System.Runtime.InteropServices;
using Gipo.Cli.Experiments;

namespace Gipo.Cli;

/// <summary>
/// <c>gipo experiment</c>: runs an experiment plan (tasks × methods × seeds) end to end — SFT warm starts, RL runs as
/// child processes, final per-prompt evaluations, the manifest and the report — resumably.
/// </summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var plan = new Option<FileInfo>("--plan") { Description = "the plan, e.g. experiments/countdown.conf", Required = true };
        var parallel =
            new Option<int>("--parallel") { Description = "runs at once (each uses the plan's threads-per-run)", DefaultValueFactory = _ => 1 };
        var only = new Option<string?>("--only") { Description = "only the runs whose id (<task>.<method>.s<seed>) matches this glob, " +
                                                                 "e.g. 'countdown.dapo.*' (comma = or)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "list the runs with their status (finished, partial, failed, pending) and exit" };
        var reportOnly = new Option<bool>("--report-only") { Description = "only write the report (tables and plots) from the results on disk" };
        var resultsDir = new Option<string>("--results-dir") { Description = "where experiments live: <results-dir>/<plan name>/",
                                                              DefaultValueFactory = _ => "results" };
        var command = new Command("experiment", "Run an experiment plan: SFT warm starts, RL runs, final evaluations, manifest and report; " +
                                                "resumable (run it again to continue).")
        {
            plan, parallel, only, dryRun, reportOnly, resultsDir,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var planFile = r.GetValue(plan)!.FullName;
            var p = ExperimentPlan.Load(planFile);
            var results = Path.GetFullPath(r.GetValue(resultsDir)!);
            var layout = ExperimentLayout.For(results, p.Name);
            var workers = r.GetValue(parallel);
            if (workers < 1) throw new ArgumentException($"--parallel must be >= 1 (got {workers})");
            var runner = new ExperimentRunner(p, layout, planFile, workers, new RunFilter(r.GetValue(only)),
                $"--plan {r.GetValue(plan)!.FullName} --parallel {workers}{(r.GetValue(only) is { } o ? $" --only {o}" : "")}");

            if (r.GetValue(dryRun)) return DryRun(p, layout, runner);
            if (r.GetValue(reportOnly)) return Report(p, layout);

            using var cancel = new CancellationTokenSource();
            // Ctrl-C or SIGTERM: the run processes are stopped (they resume from their checkpoints) and the state is recorded.
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
            int code;
            try
            {
                code = runner.RunAsync(cancel.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"experiment: interrupted; continue with the same command (finished runs are kept, the others resume)");
                return 130;
            }
            var reportCode = Report(p, layout);
            return code != 0 ? code : reportCode;
        }));
        return command;
    }

    private static int DryRun(ExperimentPlan plan, ExperimentLayout layout, ExperimentRunner runner)
    {
        var selected = runner.Selected();
        Console.WriteLine($"plan {plan.Name} ({plan.Sha256[..12]}): {plan.Tasks.Count} task(s) × {plan.Methods.Count} method(s), " +
                          $"{plan.Runs.Count} run(s) of {plan.Steps} steps; results in {layout.Root}");
        foreach (var task in plan.Tasks)
        {
            var hash = task.Sft.Checkpoint is { } c ? CheckpointDigest.Compute(c) : task.Sft.SettingsHash(task.ReasoningTask);
            var folder = layout.Sft(task.Name, hash);
            var state = task.Sft.Checkpoint is not null ? $"reuses {task.Sft.Checkpoint}"
                : File.Exists(Path.Combine(folder, SftWarmStart.SummaryFile)) ? "built" : "to build";
            Console.WriteLine($"sft {Path.GetFileName(folder)}: {state}");
        }
        var width = selected.Max(s => s.Run.Id.Length);
        foreach (var (run, status, next) in selected)
        {
            var record = ExperimentRunRecord.Read(layout.Run(run.Id));
            var detail = status switch
            {
                RunStatus.Failed => $"exit code {record?.ExitCode}: " +
                                    $"{record?.Error?.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()}",
                RunStatus.Partial => next == RunNextStep.Evaluate ? "trained, evaluation to do" : "training to resume",
                RunStatus.Finished => $"{record?.WallSeconds:F0} s",
                _ => "",
            };
            Console.WriteLine($"{run.Id.PadRight(width)}  {status.ToString().ToLowerInvariant(),-8}  {detail}".TrimEnd());
        }
        Console.WriteLine(string.Join(", ",
            selected.GroupBy(s => s.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}")));
        return 0;
    }

    private static int Report(ExperimentPlan plan, ExperimentLayout layout)
    {
        if (!Directory.Exists(layout.Runs)) throw new ArgumentException($"no results of plan '{plan.Name}' in {layout.Root}: " +
                                                                        $"run gipo experiment --plan … first");
        var files = ExperimentReport.Write(layout.Root, ExperimentReportOptions.Of(plan));
        Console.Error.WriteLine($"experiment: report: {string.Join(", ", files.Select(f => Path.GetRelativePath(layout.Root, f)))}");
        return 0;
    }
}
