using System.Diagnostics;
using Gipo.Bench.Processes;

namespace Gipo.Bench.Chaos;

/// <summary>
/// Process-level scenarios of a node that leaves or is downed (issue 11, items 3 and 6), across real <c>gipo node</c>
/// processes on 127.0.0.1 with a PostgreSQL journal, like <see cref="ChaosScenarios"/>:
/// a graceful SIGTERM to the node hosting the active coordinator and learner (a Kubernetes rolling update), and a node
/// frozen (SIGSTOP) until the cluster downs it, then thawed (SIGCONT) to find itself downed.
/// </summary>
internal static class LeaveScenarios
{
    private const string LearnerRoles = "coordinator,learner";
    private const string SamplerRoles = "sampler,scorer";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Two coordinator+learner nodes and a sampler node; once step <paramref name="atStep"/> is logged, the oldest
    /// learner node (hosting the coordinator, learner and the other singletons) gets SIGTERM. It must hand over and
    /// exit by itself; the standby continues and the run ends at its step.
    /// </summary>
    public static SignalReport TerminateActiveLearner(ClusterRunSettings settings, long atStep, Action<string> log)
    {
        using var run = new ClusterRun(settings, ChaosScenarios.NewRunId("leave-learner"), ["learner-1", "learner-2"], log);
        run.Start("learner-1", LearnerRoles);
        run.Start("learner-2", LearnerRoles);
        run.Start("sampler-1", SamplerRoles);
        run.WaitForStep(atStep, StepTimeout);
        var step = run.LoggedStep();
        var clock = Stopwatch.StartNew();
        run.Nodes.Terminate("learner-1");
        log($"{run.Seconds,6:F1} s  SIGTERM learner-1 after step {step}");
        var signalled = WaitExit(run, "learner-1", step, clock, TimeSpan.FromSeconds(90), log);
        var report = run.Finish("leave-learner", TimeSpan.FromMinutes(10));
        return new SignalReport(report, signalled, StepHistory.Of(run.Audit().Events));
    }

    /// <summary>
    /// A coordinator+learner node and two sampler nodes; once step <paramref name="atStep"/> is logged, sampler-2 is
    /// frozen (SIGSTOP) for <paramref name="frozen"/> (longer than the failure detector's pause plus the split-brain
    /// resolver's stable-after, so the majority downs it), then thawed (SIGCONT). It must find itself downed and exit
    /// with that reason; the rest of the cluster finishes the run.
    /// </summary>
    public static SignalReport FreezeSampler(ClusterRunSettings settings, long atStep, TimeSpan frozen, Action<string> log)
    {
        using var run = new ClusterRun(settings, ChaosScenarios.NewRunId("downed-sampler"), ["learner-1", "sampler-1"], log);
        run.Start("learner-1", LearnerRoles);
        run.Start("sampler-1", SamplerRoles);
        run.Start("sampler-2", SamplerRoles);
        run.WaitForStep(atStep, StepTimeout);
        var step = run.LoggedStep();
        run.Nodes.Freeze("sampler-2", true);
        log($"{run.Seconds,6:F1} s  SIGSTOP sampler-2 after step {step}");
        Thread.Sleep(frozen);
        var clock = Stopwatch.StartNew();
        run.Nodes.Freeze("sampler-2", false);
        log($"{run.Seconds,6:F1} s  SIGCONT sampler-2 (at step {run.LoggedStep()})");
        var signalled = WaitExit(run, "sampler-2", step, clock, TimeSpan.FromSeconds(90), log);
        var report = run.Finish("downed-sampler", TimeSpan.FromMinutes(10));
        return new SignalReport(report, signalled, StepHistory.Of(run.Audit().Events));
    }

    private static SignalledNode WaitExit(ClusterRun run, string name, long step, Stopwatch clock, TimeSpan timeout, Action<string> log)
    {
        var process = run.Nodes[name].Process;
        var exited = run.Nodes[name].WaitForExit(timeout);
        var seconds = exited ? Math.Round(clock.Elapsed.TotalSeconds, 1) : double.NaN;
        int? code = exited ? process.ExitCode : null;
        log($"{run.Seconds,6:F1} s  {name} " +
            $"{(exited ? $"exited {code} {seconds} s after the signal" : $"still running {timeout.TotalSeconds:F0} s after the signal")}");
        return new SignalledNode(name, step, code, seconds, ReadLog(run.Nodes[name].Log));
    }

    private static string ReadLog(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }
}
