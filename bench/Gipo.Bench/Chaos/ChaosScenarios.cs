using Gipo.Bench.Processes;

namespace Gipo.Bench.Chaos;

/// <summary>
/// The chaos scenarios of the multi-node issue, each a whole training run across <c>gipo node</c> processes:
/// (a) sampler nodes join mid-run, (b) a sampler node is SIGKILLed while it holds leases, (c) the node hosting the
/// coordinator and learner is SIGKILLed while a standby of those roles runs, (d) a series of randomized SIGKILLs
/// across roles, each victim restarted, (e) a restarted first seed that forms a cluster of its own while the run lives
/// in another one, a frozen (SIGSTOP) coordinator+learner node that wakes up after its standby took over, and a real
/// network partition whose halves both carry on: the journal lease must keep each to one writer. Every kill is followed by a journal audit; the run
/// must end at its step.
/// </summary>
internal static class ChaosScenarios
{
    private const string LearnerRoles = "coordinator,learner";
    private const string SamplerRoles = "sampler,scorer";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The scenario names <c>gipo-bench chaos --scenario</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["add-samplers", "kill-sampler", "kill-learner", "random", "restart-first-seed", "freeze-learner", "partition"];

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
            if (!run.Nodes.WaitUp(name,
                                  TimeSpan.FromSeconds(90))) throw new InvalidOperationException($"{name} did not join:\n{run.Nodes.Tail(name)}");
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
        if (!Polling.Until(() => run.HoldsLeases("sampler-1"), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200)))
            throw new TimeoutException("sampler-1 never held a lease");
        var before = run.Audit().Audit.SamplerDiedReissued;
        var kill = run.Kill("sampler-1");
        var reissued = Polling.Until(() => run.Audit().Audit.SamplerDiedReissued > before, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(500));
        var reissue = reissued ? Math.Round(run.Seconds - kill.AtSeconds, 1) : double.NaN;
        log($"{run.Seconds,6:F1} s  sampler-1's leases re-issued {reissue} s after the kill");
        return Measured(run.Finish("kill-sampler", TimeSpan.FromMinutes(10)), "reissue_seconds", reissue);
    }

    /// <summary>
    /// (c) Two coordinator+learner nodes and a sampler node; after step 3 the oldest learner node (which hosts the
    /// coordinator, learner, weight store and metrics singletons) is SIGKILLed. The standby takes over from
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
    /// <remarks>
    /// With <paramref name="mixed"/>, each fault is one of SIGKILL, SIGTERM (a graceful leave), SIGSTOP (a freeze
    /// past the resolver's downing and the lease's time-out, then SIGCONT: the woken node must be fenced) or, when
    /// this process may make network namespaces (root), a partition cutting the victim off from the other nodes for
    /// as long as a freeze (the nodes then run in namespaces of a <see cref="NodeNetwork"/>); each victim restarted
    /// with its original command (a first seed restarted that way rejoins through the other seeds).
    /// </remarks>
    public static ChaosReport RandomKills(ClusterRunSettings settings, int kills, int seed, Action<string> log, bool mixed = false)
    {
        var rng = new Random(seed);
        // Long enough for the rest to down the frozen node and for its leases (12 s after the last renewal) to pass on.
        var frozenFor = settings.StableAfter * 2 + TimeSpan.FromSeconds(16);
        var network = mixed ? PartitionNetwork(settings, log) : null;
        using var owned = network;
        // Akka's INFO lines (InitJoin, JOINING, downing, removal) in the node logs: what a failed rejoin's report shows.
        settings = settings with { ClusterOverrides = $"{settings.ClusterOverrides}\nakka.loglevel = INFO\nakka.cluster.log-info = on" };
        using var run = new ClusterRun(settings, NewRunId("random"), ["learner-1", "learner-2"], log, network);
        string[] faults = network is null ? ["SIGKILL", "SIGTERM", "SIGSTOP"] : ["SIGKILL", "SIGTERM", "SIGSTOP", "partition"];
        log($"random {(mixed ? $"faults ({string.Join(", ", faults)})" : "kills")}: {kills}, seed {seed}");
        (string Name, string Roles)[] nodes = [("learner-1", LearnerRoles), ("learner-2", LearnerRoles), ("sampler-1", SamplerRoles),
                                               ("sampler-2", SamplerRoles)];
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
            run.Fault(name, mixed ? faults[rng.Next(faults.Length)] : "SIGKILL", frozenFor);
            if (run.Audit().Audit.Finished || !Restart(run, name, roles, log)) break;
        }
        return Measured(Measured(run.Finish("random", TimeSpan.FromMinutes(15)), "seed", seed), "join_retries", run.JoinRetries);
    }

    /// <summary>
    /// (e, i) The issue's restart of the first seed, with the seed layout the README used to give (coordinator node
    /// first seed, first sampler node second seed, the standby learner node in no seed list): learner-1 is SIGKILLed,
    /// the standby learner-2 takes over, sampler-1 (the second seed) is SIGKILLed, then learner-1 is started again
    /// with its original command. It finds no seed, forms a cluster of its own, sees learner-2's live lease in the
    /// journal and must refuse (exit 1, naming the holder); it must never write. sampler-2 keeps the run going.
    /// Measures: restarted_exit (the restarted node's exit code, −1 while it still runs), restarted_refused (1 when
    /// its log names the holder), epochs_increasing (1 when the coordinator lease's epochs only rose, each to a new
    /// holder), coordinator_epochs (their count).
    /// </summary>
    public static ChaosReport RestartFirstSeed(ClusterRunSettings settings, Action<string> log)
    {
        using var run = new ClusterRun(settings, NewRunId("restart-first-seed"), ["learner-1", "sampler-1"], log);
        run.Start("learner-1", LearnerRoles);
        run.Start("sampler-1", SamplerRoles);
        run.Start("learner-2", LearnerRoles);
        run.Start("sampler-2", SamplerRoles);
        run.WaitForStep(2, StepTimeout);
        var killed = run.Kill("learner-1");
        // The standby has taken over once a step after the kill is logged (by the journal lease too, when it is on).
        run.WaitForStep(killed.LoggedStep + 2, StepTimeout);
        var holder = run.LeaseHolder("coordinator");
        log($"{run.Seconds,6:F1} s  learner-2 trains; coordinator lease: {holder.Node ?? "none"} (epoch {holder.Epoch})");
        run.Kill("sampler-1");
        Thread.Sleep(settings.StableAfter * 2 + TimeSpan.FromSeconds(2));
        if (run.Audit().Audit.Finished) throw new InvalidOperationException("the run finished before the first seed was restarted: " +
                                                                            "give it more steps");
        var restarted = run.Start("learner-1", LearnerRoles, wait: false);
        var exited = restarted.WaitForExit(TimeSpan.FromSeconds(120));
        var tail = run.Nodes.Tail("learner-1", 30);
        var refused = exited && tail.Contains("is live in another cluster", StringComparison.Ordinal)
            && tail.Contains($"{run.Nodes["learner-2"].Host}:{run.Nodes["learner-2"].Port}", StringComparison.Ordinal);
        log($"{run.Seconds,6:F1} s  restarted learner-1 {(exited ? $"exited {restarted.Process.ExitCode}" : "still runs")}: " +
            (tail.Split('\n').LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? "(no error line)"));
        if (!refused) log($"restarted learner-1's log, which should have named the holder:\n{tail}");
        var report = run.Finish("restart-first-seed", TimeSpan.FromMinutes(10));
        return WithEpochs(run,
            Measured(Measured(report, "restarted_exit", exited ? restarted.Process.ExitCode : -1), "restarted_refused", refused ? 1 : 0), log);
    }

    /// <summary>
    /// (e, ii) Two halves that each believe they survived: learner-1 (hosting every singleton) is frozen with SIGSTOP
    /// past the failure detector, the split-brain resolver and its lease's time-out, so the rest of the cluster downs
    /// it and learner-2 acquires the leases under the next epoch; then learner-1 is resumed. It wakes up still hosting
    /// the coordinator and learner with pending timers and messages (a zombie), and until it learns it was downed it
    /// believes it is the cluster: every write it tries must be fenced. Measures: zombie_exit (learner-1's exit code),
    /// zombie_fenced (the fenced writes it logged), takeover_seconds, epochs_increasing, coordinator_epochs.
    /// </summary>
    public static ChaosReport FreezeLearner(ClusterRunSettings settings, Action<string> log)
    {
        using var run = new ClusterRun(settings, NewRunId("freeze-learner"), ["learner-1", "learner-2"], log);
        run.Start("learner-1", LearnerRoles);
        run.Start("learner-2", LearnerRoles);
        run.Start("sampler-1", SamplerRoles);
        run.Start("sampler-2", SamplerRoles);
        run.WaitForStep(2, StepTimeout);
        var before = run.LeaseHolder("coordinator");
        if (before.Node != "learner-1") throw new InvalidOperationException($"expected learner-1 to hold the coordinator lease, " +
                                                                            $"found {before.Node ?? "none"}");
        run.Freeze("learner-1");
        var (takeover, epoch) = WaitForLeaseHolder(run, "coordinator", "learner-2", TimeSpan.FromMinutes(2));
        log($"{run.Seconds,6:F1} s  learner-2 holds the coordinator lease (epoch {epoch}) {takeover:F1} s after the freeze");
        run.WaitForStep(run.LoggedStep() + 1, StepTimeout);
        run.Resume("learner-1");
        var zombie = run.Nodes["learner-1"];
        var exited = zombie.WaitForExit(TimeSpan.FromSeconds(90));
        var fenced = File.ReadAllLines(zombie.Log).Count(l => l.Contains(" fenced", StringComparison.Ordinal)
            || l.Contains("lease ", StringComparison.Ordinal) && l.Contains(" lost by ", StringComparison.Ordinal));
        log($"{run.Seconds,6:F1} s  learner-1 woke up: {(exited ? $"exited {zombie.Process.ExitCode}" : "still runs")}, " +
            $"{fenced} fenced write(s) or lost lease(s) logged");
        var report = run.Finish("freeze-learner", TimeSpan.FromMinutes(10));
        report = Measured(Measured(Measured(report, "zombie_exit", exited ? zombie.Process.ExitCode : -1), "zombie_fenced", fenced),
                          "takeover_seconds", takeover);
        return WithEpochs(run, report, log);
    }

    /// <summary>
    /// (e, iii) A real network partition in which both halves think they are the survivors: every node runs in its
    /// own network namespace (<see cref="NodeNetwork"/>, root only), {learner-1, sampler-1} and {learner-2, sampler-2}
    /// are cut apart both ways while both still reach the journal database, and downing is Akka's auto-downing instead
    /// of the split-brain resolver, so each half downs the other and carries on as the whole cluster (what a resolver
    /// mis-configured by an operator, or asymmetric failure detection, can also lead to). learner-2's half then starts a coordinator and learner
    /// of its own: only the journal lease keeps it from writing while learner-1 keeps renewing it. After
    /// <see cref="PartitionHold"/> the partition heals; nodes that end on meeting the other half (quarantined) are
    /// started again, and the run must end at its step. (Should learner-2 hold the lease when the cut comes, because
    /// learner-1 ended during start-up and was started again, the halves swap learners.) Measures: partition_seconds,
    /// partition_steps (steps the holder's half logged while cut off), partition_takeovers (learner take-overs the other
    /// learner logged while cut off: a second writer), partition_coordinator_lines (lines a coordinator singleton on the
    /// other learner logged while cut off: a second coordinator started; 0 when the lease held it back),
    /// partition_epochs (coordinator lease epochs granted while cut off), restarts (after the heal), start_restarts
    /// (before the cut), epochs_increasing, coordinator_epochs.
    /// </summary>
    public static ChaosReport Partition(ClusterRunSettings settings, Action<string> log)
    {
        using var network = NodeNetwork.Create(settings.Postgres);
        log($"network: bridge {network.Bridge} {network.BridgeAddress}/24, journal forwarded to {network.BridgeAddress}");
        settings = settings with
        {
            // Auto-downing: each side downs whatever it cannot reach (a static quorum of 1 would not do: with more than
            // 2·1 − 1 members Akka's resolver downs everyone).
            ClusterOverrides = settings.ClusterOverrides + "\nakka.cluster { downing-provider-class = \"Akka.Cluster.AutoDowning, Akka.Cluster\", " +
                               $"auto-down-unreachable-after = {settings.StableAfter.TotalSeconds}s }}",
        };
        using var run = new ClusterRun(settings, NewRunId("partition"), ["learner-1", "learner-2"], log, network);
        run.Start("learner-1", LearnerRoles);
        run.Start("sampler-1", SamplerRoles);
        run.Start("learner-2", LearnerRoles);
        run.Start("sampler-2", SamplerRoles);
        // Before the cut the run only has to get going: a node that ended meanwhile (one that starts slowly on a loaded
        // machine can look unreachable and be auto-downed) is started again, as its supervisor would.
        var startRestarts = run.WaitForStep(2, StepTimeout, restartExited: true);
        var before = run.LeaseHolder("coordinator");
        log($"{run.Seconds,6:F1} s  coordinator lease: {before.Node ?? "none"} (epoch {before.Epoch})");
        // The holder's half is {holder, sampler-1}; the other learner's half must not take the run over. learner-1 holds it
        // unless it was started again above.
        var (holder, other) = before.Node == "learner-2" ? ("learner-2", "learner-1") : ("learner-1", "learner-2");
        var epochsBefore = run.LeaseEpochs("coordinator").Count;
        var stepBefore = run.LoggedStep();
        var cutAt = run.Seconds;
        network.Partition([holder, "sampler-1"], [other, "sampler-2"]);
        log($"{run.Seconds,6:F1} s  partition {{{holder}, sampler-1}} | {{{other}, sampler-2}} after step {stepBefore}");
        var otherLog = run.Nodes[other].Log;
        int takeovers, coordinatorLines;
        try
        {
            Thread.Sleep(PartitionHold(settings));
            var lines = ReadShared(otherLog);
            takeovers = lines.Count(l => l.Contains("took over the run", StringComparison.Ordinal));
            // Anything the coordinator singleton itself logged (its ledger, a failed write): it ran on learner-2.
            coordinatorLines = lines.Count(l => l.Contains("/user/coordinator/singleton", StringComparison.Ordinal));
        }
        finally
        {
            network.Heal();
        }
        var partitionSteps = run.LoggedStep() - stepBefore;
        var partitionEpochs = run.LeaseEpochs("coordinator").Count - epochsBefore;
        var seconds = Math.Round(run.Seconds - cutAt, 1);
        log($"{run.Seconds,6:F1} s  healed after {seconds:F0} s: {partitionSteps} step(s) logged meanwhile, {takeovers} take-over(s) by {other}, " +
            $"{coordinatorLines} line(s) of a coordinator on {other}, " +
            $"{partitionEpochs} coordinator lease epoch(s) granted; journal: {run.Audit().Audit}");
        // Each half downed the other: on meeting again a node may learn it was quarantined and end; start it again.
        var restarts = 0;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < until && !run.Audit().Audit.Finished)
        {
            foreach (var node in run.Nodes.All.Where(n => n.HasExited).ToList())
            {
                log($"{run.Seconds,6:F1} s  {node.Name} ended after the heal (exit {node.Process.ExitCode}): starting it again");
                if (!Restart(run, node.Name, node.Roles, log)) break;
                restarts++;
            }
            Thread.Sleep(1000);
        }
        var report = run.Finish("partition", TimeSpan.FromMinutes(10));
        report = Measured(Measured(Measured(Measured(Measured(report, "partition_seconds", seconds), "partition_steps", partitionSteps),
            "partition_takeovers", takeovers), "partition_epochs", partitionEpochs), "restarts", restarts);
        report = Measured(report, "start_restarts", startRestarts);
        report = Measured(report, "partition_coordinator_lines", coordinatorLines);
        return WithEpochs(run, report, log);
    }

    /// <summary>
    /// How long a partition lasts: past the failure detector (5 s of missed heartbeats), the resolver's stable-after
    /// and a lease's heartbeat time-out (12 s), so that each half has downed the other and could have taken the lease.
    /// </summary>
    public static TimeSpan PartitionHold(ClusterRunSettings settings) => settings.StableAfter + TimeSpan.FromSeconds(30);

    // A log file another process is still writing.
    private static string[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd().Split('\n');
    }

    // The mixed series' network, or null (with a line saying why) where network namespaces cannot be made.
    private static NodeNetwork? PartitionNetwork(ClusterRunSettings settings, Action<string> log)
    {
        NodeNetwork? network = null;
        try
        {
            network = NodeNetwork.Create(settings.Postgres);
            network.Host("learner-1"); // the first namespace: `ip netns` may fail where a bridge did not
            return network;
        }
        catch (InvalidOperationException e)
        {
            network?.Dispose();
            log($"partitions left out of the mix: {e.Message.ReplaceLineEndings(" ")}");
            return null;
        }
    }

    // Waits until node `holder` holds singleton's lease (by the journal database); the seconds waited and the epoch.
    private static (double Seconds, long Epoch) WaitForLeaseHolder(ClusterRun run, string singleton, string holder, TimeSpan timeout)
    {
        var start = run.Seconds;
        var now = run.LeaseHolder(singleton);
        bool Held()
        {
            now = run.LeaseHolder(singleton);
            return now.Node == holder && now.Live;
        }
        if (Polling.Until(Held, timeout, TimeSpan.FromMilliseconds(250))) return (Math.Round(run.Seconds - start, 1), now.Epoch);
        throw new TimeoutException($"{holder} did not acquire the {singleton} lease within {timeout.TotalSeconds:F0} s " +
                                   $"(held by {now.Node ?? "nobody"}, epoch {now.Epoch})");
    }

    // The coordinator lease's history: epochs strictly increasing, and each to another holder than the one before.
    private static ChaosReport WithEpochs(ClusterRun run, ChaosReport report, Action<string> log)
    {
        var epochs = run.LeaseEpochs("coordinator");
        log($"coordinator lease epochs: {string.Join(", ", epochs.Select(e => $"{e.Epoch}→{e.Node ?? "?"}"))}");
        var increasing = epochs.Count > 0 && epochs.Zip(epochs.Skip(1)).All(p => p.Item2.Epoch > p.Item1.Epoch);
        return Measured(Measured(report, "epochs_increasing", increasing ? 1 : 0), "coordinator_epochs", epochs.Count);
    }

    // Restarts a node as its process supervisor would. A restart that does not join (the node gives up after 60 s and
    // exits 2, which the deploy files restart) is started once more, logged with what every node said about its address
    // and counted in run.JoinRetries. False when it could not rejoin because the run finished meanwhile (its last steps
    // can complete while the victim restarts, and the finished cluster's nodes leave), which ends the series, not the test.
    private static bool Restart(ClusterRun run, string name, string roles, Action<string> log)
    {
        for (var attempt = 1; ; attempt++)
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
            catch (InvalidOperationException e) when (attempt == 1)
            {
                log($"{run.Seconds,6:F1} s  {name} did not rejoin; starting it again, as its supervisor would. {e.Message}");
                run.StopIfRunning(name);
                run.JoinRetries++;
            }
        }
    }
}
