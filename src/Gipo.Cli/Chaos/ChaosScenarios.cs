using Gipo.Cli.Processes;

namespace Gipo.Cli.Chaos;

/// <summary>
/// The chaos scenarios of the multi-node issue, each a whole training run across <c>gipo node</c> processes:
/// (a) sampler nodes join mid-run, (b) a sampler node is SIGKILLed while it holds leases, (c) the node hosting the
/// coordinator and learner is SIGKILLed while a standby of those roles runs, (d) a series of randomized SIGKILLs
/// across roles, each victim restarted. Every kill is followed by a journal audit; the run must end at its step.
/// </summary>
internal static class ChaosScenarios
{
    private const string LearnerRoles = "coordinator,learner";
    private const string SamplerRoles = "sampler,scorer";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The scenario names <c>gipo chaos --scenario</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["add-samplers", "kill-sampler", "kill-learner", "random"];

    private static ChaosReport Measured(ChaosReport report, string name, double value)
    {
        report.Measures[name] = value;
        return report;
    }

    public static string NewRunId(string scenario) => $"chaos-{scenario}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(1000, 9999)}";

    /// <summary>(a) One learner node and one sampler node; after step 2, two more sampler nodes join (one without a scorer).</summary>
    public static ChaosReport AddSamplers(ClusterRunSettings settings, Action<string> log)
    {
        using var run = new ClusterRun(settings, NewRunId("add-samplers"), ["learner-1", "sampler-1"], log);
        run.Start("learner-1", LearnerRoles);
        run.Start("sampler-1", SamplerRoles);
        run.WaitForStep(2, StepTimeout);
        // No restart of anything: the new nodes pull the current policy version and start leasing work. sampler-3 has
        // no scorer role, so its groups are scored by the other nodes' scorers.
        run.Start("sampler-2", SamplerRoles, wait: false);
        run.Start("sampler-3", "sampler", wait: false);
        foreach (var name in new[] { "sampler-2", "sampler-3" })
            if (!run.Nodes.WaitUp(name, TimeSpan.FromSeconds(90))) throw new InvalidOperationException($"{name} did not join:\n{run.Nodes.Tail(name)}");
        var joinedAtStep = run.LoggedStep();
        return Measured(run.Finish("add-samplers", TimeSpan.FromMinutes(10)), "joined_after_step", joinedAtStep);
    }

    /// <summary>
    /// (b) One learner node and two sampler nodes (leases of <c>run.lease-seconds</c>, 300 s by default); sampler-1 is
    /// SIGKILLed while the journal shows it holding leases. Its leases must be re-issued once the cluster downs it,
    /// long before they would expire.
    /// </summary>
    public static ChaosReport KillSampler(ClusterRunSettings settings, Action<string> log)
    {
        using var run = new ClusterRun(settings, NewRunId("kill-sampler"), ["learner-1", "sampler-2"], log);
        run.Start("learner-1", LearnerRoles);
        run.Start("sampler-2", SamplerRoles);
        run.Start("sampler-1", SamplerRoles);
        run.WaitForStep(2, StepTimeout);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!run.HoldsLeases("sampler-1"))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("sampler-1 never held a lease");
            Thread.Sleep(200);
        }
        var before = run.Audit().Audit.SamplerDiedReissued;
        var kill = run.Kill("sampler-1");
        var reissue = double.NaN;
        var reissueDeadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < reissueDeadline)
        {
            if (run.Audit().Audit.SamplerDiedReissued > before)
            {
                reissue = Math.Round(run.Seconds - kill.AtSeconds, 1);
                break;
            }
            Thread.Sleep(500);
        }
        log($"{run.Seconds,6:F1} s  sampler-1's leases re-issued {reissue} s after the kill");
        return Measured(run.Finish("kill-sampler", TimeSpan.FromMinutes(10)), "reissue_seconds", reissue);
    }

    /// <summary>
    /// (c) Two coordinator+learner nodes and a sampler node; after step 3 the oldest learner node (which hosts the
    /// coordinator, learner, scheduler, weight store and metrics singletons) is SIGKILLed. The standby takes over from
    /// the journal and the last checkpoint, and the run ends at its step.
    /// </summary>
    public static ChaosReport KillLearner(ClusterRunSettings settings, Action<string> log)
    {
        using var run = new ClusterRun(settings, NewRunId("kill-learner"), ["learner-1", "learner-2"], log);
        run.Start("learner-1", LearnerRoles);
        run.Start("learner-2", LearnerRoles);
        run.Start("sampler-1", SamplerRoles);
        run.WaitForStep(3, StepTimeout);
        run.Kill("learner-1");
        return run.Finish("kill-learner", TimeSpan.FromMinutes(10));
    }

    /// <summary>
    /// (d) Two coordinator+learner nodes and two sampler nodes; <paramref name="kills"/> times, a random node is
    /// SIGKILLed at a random moment after the cluster settled from the previous kill, the journal audited, and the node
    /// restarted on its port. Stops killing if the run completes first.
    /// </summary>
    public static ChaosReport RandomKills(ClusterRunSettings settings, int kills, int seed, Action<string> log)
    {
        var rng = new Random(seed);
        log($"random kills: {kills}, seed {seed}");
        using var run = new ClusterRun(settings, NewRunId("random"), ["learner-1", "learner-2"], log);
        (string Name, string Roles)[] nodes = [("learner-1", LearnerRoles), ("learner-2", LearnerRoles), ("sampler-1", SamplerRoles), ("sampler-2", SamplerRoles)];
        foreach (var (name, roles) in nodes) run.Start(name, roles);
        run.WaitForStep(1, StepTimeout);
        // One failure at a time: before the next kill the cluster must have settled (the restarted node's old
        // incarnation downed and removed, reachability stable for the resolver's stable-after). Kills faster than
        // that look like a flapping network to the split-brain resolver, which then downs every node
        // (down-all-when-unstable): by design, and a different scenario from the one tested here.
        var settle = settings.StableAfter * 2 + TimeSpan.FromSeconds(2);
        for (var i = 0; i < kills; i++)
        {
            Thread.Sleep(settle + TimeSpan.FromSeconds(rng.NextDouble() * 4));
            if (run.Audit().Audit.Finished) break; // the run completed and the nodes are leaving
            // A node that ended by itself (downed by the resolver when it looked unreachable on a loaded machine, or
            // left without a coordinator) is restarted, as a process supervisor would.
            foreach (var (exited, exitedRoles) in nodes.Where(n => run.Nodes[n.Name].HasExited))
            {
                log($"{run.Seconds,6:F1} s  {exited} ended by itself (exit {run.Nodes[exited].Process.ExitCode}): restart");
                if (!Restart(run, exited, exitedRoles, log)) break;
                Thread.Sleep(settle);
            }
            var (name, roles) = nodes[rng.Next(nodes.Length)];
            run.Kill(name);
            if (run.Audit().Audit.Finished || !Restart(run, name, roles, log)) break;
        }
        return Measured(run.Finish("random", TimeSpan.FromMinutes(15)), "seed", seed);
    }

    // Restarts a node; false when it could not rejoin because the run finished meanwhile (its last steps can complete
    // while the victim restarts, and the finished cluster's nodes leave), which ends the series, not the test.
    private static bool Restart(ClusterRun run, string name, string roles, Action<string> log)
    {
        try
        {
            run.Start(name, roles);
            return true;
        }
        catch (InvalidOperationException) when (run.Audit().Audit.Finished)
        {
            log($"{run.Seconds,6:F1} s  {name} did not rejoin: the run finished meanwhile");
            return false;
        }
    }
}
