using System.Diagnostics;
using System.Text.Json;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Fencing;
using Gipo.Cluster.Runtime;

namespace Gipo.Bench.Processes;

/// <summary>
/// A training run across several <c>gipo node</c> processes (on 127.0.0.1, or each in a network namespace of a
/// <see cref="NodeNetwork"/>) with a PostgreSQL journal, and what is done
/// to it: nodes added, SIGKILLed, restarted. After every kill the journal is read back and audited (nothing lost,
/// nothing trained twice, staleness bound held). Used by the chaos tests, <c>gipo-bench chaos</c> and <c>gipo-bench cluster</c>.
/// </summary>
internal sealed class ClusterRun : IDisposable
{
    private readonly ClusterRunSettings settings;
    private readonly Action<string> log;
    private readonly Dictionary<string, int> ports = [];
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<KillRecord> kills = [];
    private readonly List<string> seeds;
    private readonly NodeNetwork? network;

    /// <summary>
    /// A run named <paramref name="runId"/> whose seed nodes will be <paramref name="seedNodes"/> (started first); with
    /// <paramref name="network"/> each node runs in its own network namespace of it (the caller disposes it).
    /// </summary>
    public ClusterRun(ClusterRunSettings settings, string runId, IReadOnlyList<string> seedNodes, Action<string>? log = null,
                      NodeNetwork? network = null)
    {
        this.settings = settings;
        this.network = network;
        this.log = log ?? (_ => { });
        RunId = runId;
        Directory.CreateDirectory(settings.WorkDir);
        foreach (var name in seedNodes) ports[name] = NodeProcesses.FreePort();
        seeds = seedNodes.Select(n => $"{network?.Host(n) ?? "127.0.0.1"}:{ports[n]}").ToList();
        var clusterConfig = Path.Combine(settings.WorkDir, "cluster.conf");
        File.WriteAllText(clusterConfig, File.ReadAllText(settings.ClusterConfigFile) +
            $"\n# chaos run: faster downing of killed nodes\nakka.cluster.split-brain-resolver.stable-after = " +
            $"{settings.StableAfter.TotalSeconds}s\n" +
            (settings.ClusterOverrides.Length > 0 ? $"# this scenario\n{settings.ClusterOverrides}\n" : ""));
        List<string> args =
        [
            "--run-id", runId, "--runs-dir", Runs, "--config", settings.Preset, "--base", settings.BaseCheckpoint, "--postgres",
            network?.NodePostgres ?? settings.Postgres,
            "--cluster-config", clusterConfig, "--set", $"run.steps={settings.Steps}", "--set",
            $"algorithm.batch.groups-per-step={settings.GroupsPerStep}",
        ];
        foreach (var s in settings.Sets) args.AddRange(["--set", s]);
        foreach (var s in seeds) args.AddRange(["--seed", s]);
        Nodes = new NodeProcesses(settings.GipoDll, settings.WorkDir, args);
    }

    public string RunId { get; }

    public NodeProcesses Nodes { get; }

    public IReadOnlyList<KillRecord> Kills => kills;

    public double Seconds => clock.Elapsed.TotalSeconds;

    private string Runs => Path.Combine(settings.WorkDir, "runs");

    private RunFolder Folder => new(Path.Combine(Runs, RunId));

    /// <summary>Starts (or restarts on its old port) node <paramref name="name"/> and waits until it is a member.</summary>
    public NodeProcess Start(string name, string roles, bool wait = true)
    {
        if (!ports.TryGetValue(name, out var port)) port = ports[name] = NodeProcesses.FreePort();
        var node = Nodes.Start(name, roles, port, network);
        log($"{Seconds,6:F1} s  start {name} ({roles}) on {node.Host}:{port}");
        if (wait && !Nodes.WaitUp(name, TimeSpan.FromSeconds(90)))
            // Every node's digest: why a node cannot join is usually in the members' logs (what they did with its
            // InitJoin, its old incarnation), not in its own.
            throw new InvalidOperationException($"node {name} did not join the cluster:\n{Nodes.Digest(name, 15)}\n" +
                string.Join("\n", Nodes.All.Where(n => n.Name != name).Select(n =>
                    $"--- {n.Name}, its last lines on {node.Host}:{port}\n{Nodes.Mentions(n.Name, $"{node.Host}:{port}", 12)}")));
        return node;
    }

    /// <summary>Restarts of a node that did not join at first and was started again (see the random series).</summary>
    public int JoinRetries { get; set; }

    /// <summary>Ends node <paramref name="name"/>'s process if it still runs (a start that is given up on).</summary>
    public void StopIfRunning(string name)
    {
        var node = Nodes[name];
        if (node.HasExited) return;
        node.Process.Kill(entireProcessTree: true);
        node.WaitForExit(TimeSpan.FromSeconds(30));
    }

    /// <summary>The last learner step in the run's metrics log (−1 before the first line).</summary>
    public long LoggedStep() => MetricsLines().Select(l => l.GetProperty("step").GetInt64()).DefaultIfEmpty(-1).Max();

    /// <summary>The complete lines of the run's metrics log so far (a line being written is skipped).</summary>
    public IReadOnlyList<JsonElement> MetricsLines()
    {
        var path = Folder.Metrics;
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var lines = new List<JsonElement>();
        foreach (var line in new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try { lines.Add(JsonDocument.Parse(line).RootElement.Clone()); }
            catch (JsonException) { } // a line being written
        }
        return lines;
    }

    /// <summary>
    /// Waits until the metrics log shows <paramref name="step"/>; with <paramref name="restartExited"/>, a node that
    /// ended meanwhile is started again with its roles on its port, as a process supervisor would. Returns the restarts.
    /// </summary>
    public int WaitForStep(long step, TimeSpan timeout, bool restartExited = false)
    {
        var restarts = 0;
        bool Reached()
        {
            if (LoggedStep() >= step) return true;
            foreach (var node in restartExited ? Nodes.All.Where(n => n.HasExited).ToList() : [])
            {
                log($"{Seconds,6:F1} s  {node.Name} ended by itself (exit {node.Process.ExitCode}) before step {step}: starting it again\n" +
                    Nodes.Digest(node.Name));
                Start(node.Name, node.Roles);
                restarts++;
            }
            return false;
        }
        if (Polling.Until(Reached, timeout, TimeSpan.FromMilliseconds(200))) return restarts;
        throw new TimeoutException($"step {step} was not logged within {timeout.TotalSeconds:F0} s (at {LoggedStep()}):\n" +
                                       string.Join("\n", Nodes.All.Select(n => $"--- {n.Name}\n{Nodes.Digest(n.Name)}")));
    }

    /// <summary>The run's journal now, replayed and audited.</summary>
    public (RunLedger Ledger, IReadOnlyList<ILedgerEvent> Events, AuditSummary Audit) Audit()
    {
        var run = Folder.ReadConfig();
        var ledgerSettings = RunSettings.Read(run).Ledger(AlgorithmSettingsReader.Read(run));
        var journal = RunJournalReader.ReadAsync(JournalDatabase.Postgres(settings.Postgres), RunId).GetAwaiter().GetResult();
        if (!journal.IsComplete) throw new InvalidOperationException("the journal lost a prefix of its events: cannot audit");
        var report = LedgerAudit.Run(ledgerSettings, journal.Events);
        var ledger = journal.Replay(ledgerSettings);
        var status = ledger.Status;
        var summary = new AuditSummary(status.LearnerStep, status.PolicyVersion, status.Complete, status.Groups.Consumed, report.ConsumedTwice.Count,
            report.Lost.Count, report.StalenessViolations.Count, report.Anomalies.Count, status.Drops[DropReason.SamplerDiedReissued],
            status.Drops[DropReason.LeaseExpiredReissued], report.Counts.Rollbacks, [.. report.Problems().Take(10)]);
        return (ledger, journal.Events, summary);
    }

    /// <summary>Whether node <paramref name="name"/>'s samplers hold a lease now, by the journal.</summary>
    public bool HoldsLeases(string name) => Audit().Ledger.LeaseHolders.Any(h => h.Contains(Nodes[name].HolderMarker, StringComparison.Ordinal));

    /// <summary>SIGKILLs <paramref name="name"/> and audits the journal right after.</summary>
    public KillRecord Kill(string name) => Fault(name, "SIGKILL");

    /// <summary>
    /// Applies fault <paramref name="how"/> to <paramref name="name"/> and audits the journal right after: SIGKILL,
    /// SIGTERM (returns once the node exited, at most 60 s), SIGSTOP (returns after <paramref name="frozenFor"/>,
    /// with the node resumed by SIGCONT and given at most 60 s to end: it was downed meanwhile), or partition (the node
    /// cut off from all others for <paramref name="frozenFor"/>, both ways, while it still reaches the journal; then
    /// healed and given at most 60 s to end; needs the run's <see cref="NodeNetwork"/>).
    /// </summary>
    public KillRecord Fault(string name, string how, TimeSpan frozenFor = default)
    {
        var node = Nodes[name];
        var held = HoldsLeases(name);
        var step = LoggedStep();
        var at = Seconds;
        switch (how)
        {
            case "SIGKILL": Nodes.Kill(name); break;
            case "SIGTERM":
                Nodes.Terminate(name);
                if (!node.WaitForExit(TimeSpan.FromSeconds(60))) Nodes.Kill(name);
                break;
            case "SIGSTOP":
                Nodes.Freeze(name, true);
                Thread.Sleep(frozenFor);
                Nodes.Freeze(name, false);
                if (!node.WaitForExit(TimeSpan.FromSeconds(60))) Nodes.Kill(name);
                break;
            case "partition":
                if (network is null) throw new InvalidOperationException("a partition needs the nodes in network namespaces " +
                                                                         "(a ClusterRun with a NodeNetwork)");
                network.Partition([name], [.. Nodes.All.Where(n => n.Name != name && !n.HasExited).Select(n => n.Name)]);
                try { Thread.Sleep(frozenFor); }
                finally { network.Heal(); }
                // The node alone is the minority: its resolver downs it (the others down it too); it ends on its own.
                if (!node.WaitForExit(TimeSpan.FromSeconds(60))) Nodes.Kill(name);
                break;
            default: throw new ArgumentException($"unknown fault '{how}' (SIGKILL, SIGTERM, SIGSTOP, partition)", nameof(how));
        }
        var audit = Audit().Audit;
        var record = new KillRecord(kills.Count + 1, name, node.Roles, Math.Round(at, 1), step, held, audit, how);
        kills.Add(record);
        log($"{at,6:F1} s  {how} {name} ({node.Roles}) after step {step}{(held ? ", holding leases" : "")}" +
            $"{(how == "SIGKILL" ? "" : $", exit {(node.HasExited
                ? node.Process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}")}; journal: {audit}");
        return record;
    }

    /// <summary>SIGSTOPs node <paramref name="name"/> (see <see cref="NodeProcesses.Freeze"/>).</summary>
    public void Freeze(string name)
    {
        Nodes.Freeze(name, true);
        log($"{Seconds,6:F1} s  SIGSTOP {name} after step {LoggedStep()}");
    }

    /// <summary>SIGCONTs node <paramref name="name"/>.</summary>
    public void Resume(string name)
    {
        Nodes.Freeze(name, false);
        log($"{Seconds,6:F1} s  SIGCONT {name} at step {LoggedStep()}");
    }

    /// <summary>The journal lease row of singleton <paramref name="singleton"/> of this run (Akka's singleton lease name).</summary>
    public string LeaseRow(string singleton) =>
        JournalLease.RowName(RunId, $"{TrainingNode.SystemName}-singleton-akka://{TrainingNode.SystemName}/user/{singleton}");

    /// <summary>The current holder of <paramref name="singleton"/>'s lease as a node name (null: none, or not one of this run's nodes) and its
    /// epoch.</summary>
    public (string? Node, long Epoch, bool Live) LeaseHolder(string singleton)
    {
        var (row, now) = new JournalLeaseTable(JournalDatabase.Postgres(settings.Postgres)).Read(LeaseRow(singleton));
        if (row is null) return (null, 0, false);
        var owner = LeaseHolderId.Owner(row.Holder);
        return (Nodes.All.FirstOrDefault(n => owner == Owner(n))?.Name, row.Epoch, row.LiveAt(now));
    }

    // How Akka's singleton manager names a node as a lease owner (Address.HostPort: system@host:port).
    private static string Owner(NodeProcess node) => $"{TrainingNode.SystemName}@{node.Host}:{node.Port}";

    /// <summary>Every epoch of <paramref name="singleton"/>'s lease ever granted, oldest first, with the node it went to.</summary>
    public IReadOnlyList<(long Epoch, string? Node)> LeaseEpochs(string singleton) =>
        new JournalLeaseTable(JournalDatabase.Postgres(settings.Postgres)).Epochs(LeaseRow(singleton))
            .Select(e => (e.Epoch, Nodes.All.FirstOrDefault(n => LeaseHolderId.Owner(e.Holder) == Owner(n))?.Name)).ToList();

    /// <summary>Waits for every node to end by itself (the run completes) and audits the journal a last time.</summary>
    public ChaosReport Finish(string scenario, TimeSpan timeout)
    {
        var exits = Nodes.WaitAllExit(timeout);
        var (_, events, audit) = Audit();
        log($"{Seconds,6:F1} s  all nodes ended " +
            $"({string.Join(", ", exits.Select(e => $"{e.Key}: {e.Value?.ToString() ?? "running"}"))}); journal: {audit}");
        var byNode = Nodes.All.ToDictionary(n => n.Name,
            n => events.OfType<GroupIssued>().LongCount(g => g.LeaseHolder.Contains(n.HolderMarker, StringComparison.Ordinal)));
        return new ChaosReport(scenario, RunId, kills, audit, exits, Math.Round(Seconds, 1), byNode);
    }

    public void Dispose() => Nodes.Dispose();
}
