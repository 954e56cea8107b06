using System.CommandLine;
using System.Text.Json.Nodes;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Runtime;
using Gipo.Cluster.Weights;

namespace Gipo.Cli;

/// <summary>
/// <c>gipo node</c>: one member of a training cluster with the given roles. Every node of a run is started with the
/// same run id and settings; per-node values (roles, addresses, seeds, database, certificates) come from the command
/// line or, when a flag is absent, from <c>GIPO_*</c> environment variables (containers), because Akka's HOCON has no
/// environment substitution. The node runs until the run finishes (exit 0) or it leaves: on request (SIGTERM, Ctrl+C;
/// 0 after a clean hand-over of its learner, else 5), downed by the cluster (6), or the run failed (2).
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var runId = new Option<string?>("--run-id") { Description = "the run every node of the cluster works on [GIPO_RUN_ID]" };
        var roles = new Option<string?>("--roles") { Description = "comma list of coordinator, learner, sampler, scorer [GIPO_ROLES]" };
        var hostname = new Option<string?>("--hostname") { Description = "address remoting binds to (default 127.0.0.1) [GIPO_HOSTNAME]" };
        var publicHostname = new Option<string?>("--public-hostname") { Description = "address other nodes reach this one at (default: " +
                                                                                      "--hostname) [GIPO_PUBLIC_HOSTNAME]" };
        var port = new Option<int?>("--port") { Description = "remoting port (default 4053) [GIPO_PORT]" };
        var seed = new Option<string[]>("--seed") { Description = "seed node host:port, repeatable; " +
            "give at least two in a cluster that must outlive one node [GIPO_SEEDS, comma list]", AllowMultipleArgumentsPerToken = false };
        var clusterName = new Option<string?>("--cluster-name") { Description = "actor system name; nodes with different names never join " +
                                                                                "(default gipo) [GIPO_CLUSTER_NAME]" };
        var config = new Option<string?>("--config") { Description = "preset, e.g. hocon/gipo-preset.conf [GIPO_CONFIG]" };
        var set = new Option<string[]>("--set") { Description = "override a key, repeatable", AllowMultipleArgumentsPerToken = false };
        var baseCheckpoint = new Option<string?>("--base") { Description = "HF checkpoint the run starts from; " +
                                                                           "every node reads its config and tokenizer [GIPO_BASE]" };
        var runsDir = new Option<string?>("--runs-dir") { Description = "where run folders live; coordinator/learner nodes must share it " +
                                                                        "(default runs) [GIPO_RUNS_DIR]" };
        var postgres = new Option<string?>("--postgres") { Description = "Npgsql connection string of the cluster's journal (default: " +
                                                                         "SQLite in the run folder, one coordinator node only) [GIPO_POSTGRES]" };
        var tlsCertificate = new Option<string?>("--tls-certificate") { Description = "PKCS#12 file: TLS for remoting, " +
                                                                                      "peers must present the cluster's certificate " +
                                                                                      "(or one signed by --tls-ca) [GIPO_TLS_CERTIFICATE]" };
        var tlsPassword = new Option<string?>("--tls-certificate-password") { Description = "password of the PKCS#12 file " +
                                                                                            "[GIPO_TLS_CERTIFICATE_PASSWORD]" };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "the cluster CA's certificate (PEM or DER): " +
                                                                    "accept any peer it signed instead of only this node's own " +
                                                                    "certificate [GIPO_TLS_CA]" };
        var discovery = new Option<string?>("--discovery") { Description = "find the cluster by Cluster Bootstrap instead of seeds: " +
            "config or kubernetes-api [GIPO_DISCOVERY; also GIPO_DISCOVERY_SERVICE, GIPO_REQUIRED_CONTACT_POINTS, GIPO_DISCOVERY_ENDPOINTS]" };
        var managementPort = new Option<int?>("--management-port") { Description = "HTTP port of bootstrap and the /alive and /ready probes " +
                                                                                   "(default 8558; with --discovery) [GIPO_MANAGEMENT_PORT]" };
        var clusterConfig = new Option<string?>("--cluster-config") { Description = "HOCON file of Akka settings laid over the built-in " +
                                                                                    "hocon/akka-node.conf and hocon/cluster.conf " +
                                                                                    "(only the keys it sets change) [GIPO_CLUSTER_CONFIG]" };
        var command = new Command("node", "Run one node of a training cluster (Akka.Cluster) with the given roles.")
        {
            runId, roles, hostname, publicHostname, port, seed, clusterName, config, set, baseCheckpoint, runsDir, postgres, clusterConfig,
            tlsCertificate, tlsPassword, tlsCa, discovery, managementPort,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            string? Value(Option<string?> option, string env) => r.GetValue(option) ?? GipoEnvironment.Get(env);
            var id = Value(runId, "GIPO_RUN_ID") ?? throw new ArgumentException("--run-id (or GIPO_RUN_ID) is required: " +
                                                                                "every node of a run names it");
            var seeds = r.GetValue(seed) is { Length: > 0 } s ? s
                : (GipoEnvironment.Get("GIPO_SEEDS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var portValue = r.GetValue(port) ?? IntFromEnvironment("GIPO_PORT", 4053);
            // The membership and management checks live in ClusterMembership.Validate and ManagementOptions.Validate, which
            // TrainingNode calls too; called here, a bad flag or variable is refused before run.conf is written.
            var membership = new ClusterMembership(
                NodeRoles.Parse(Value(roles, "GIPO_ROLES") ?? throw new ArgumentException($"--roles (or GIPO_ROLES) is required: " +
                                                                                          $"{string.Join(", ", NodeRoles.All)}")),
                Value(hostname, "GIPO_HOSTNAME") ?? "127.0.0.1", portValue, Value(publicHostname, "GIPO_PUBLIC_HOSTNAME"), seeds,
                Value(clusterName, "GIPO_CLUSTER_NAME") ?? ClusterMembership.DefaultName).Validate();
            ManagementOptions? management = null;
            if (Value(discovery, "GIPO_DISCOVERY") is { } method)
            {
                if (seeds.Length > 0) throw new ArgumentException("--seed (GIPO_SEEDS) and --discovery (GIPO_DISCOVERY) exclude each other: " +
                                                                  "a cluster is found one way");
                management = new ManagementOptions(membership.PublicHostname ?? membership.Hostname,
                    r.GetValue(managementPort) ?? IntFromEnvironment("GIPO_MANAGEMENT_PORT", ManagementOptions.DefaultPort), method,
                    GipoEnvironment.Get("GIPO_DISCOVERY_SERVICE") ?? "gipo", IntFromEnvironment("GIPO_REQUIRED_CONTACT_POINTS", 2),
                    (GipoEnvironment.Get("GIPO_DISCOVERY_ENDPOINTS") ?? "")
                        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    BindHostname: membership.Hostname);
                management.Validate();
            }

            var folder = RunFolder.Resolve(id, Value(runsDir, "GIPO_RUNS_DIR") ?? "runs");
            var hostsRunState = membership.Has(NodeRoles.Coordinator) || membership.Has(NodeRoles.Learner);
            var journalKind = Value(postgres, GipoEnvironment.Postgres) is not null ? "postgres" : "sqlite";
            var settings = RunSettingsFor(folder, Value(config, "GIPO_CONFIG"), r.GetValue(set) ?? [],
                                          Value(baseCheckpoint, "GIPO_BASE"), hostsRunState, journalKind);
            var run = RunSettings.Read(settings);
            if (run.BaseCheckpoint.Length == 0)
                throw new ArgumentException("gipo node needs a base checkpoint (--base, GIPO_BASE or run.base-checkpoint): " +
                                            "make one with `gipo sft` first");
            var journal = Value(postgres, GipoEnvironment.Postgres) is { } cs ? JournalDatabase.Postgres(cs)
                : JournalDatabase.Sqlite(folder.Database);
            if (hostsRunState && seeds.Length > 0 && Value(postgres, GipoEnvironment.Postgres) is null)
                Console.Error.WriteLine("node: warning: the journal is SQLite in the run folder; " +
                                        "a standby coordinator/learner node needs --postgres to take over");

            // hocon/cluster.conf is embedded (TrainingNode lays it under every cluster member's config); a file given
            // here changes only the keys it sets.
            var akka = Value(clusterConfig, "GIPO_CLUSTER_CONFIG") is { } clusterFile ? ReadClusterConfig(clusterFile)
                : Akka.Configuration.Config.Empty;
            var tls = r.GetValue(tlsCertificate) is { } certificate
                ? new TlsOptions(certificate, Value(tlsPassword, TlsOptions.PasswordVariable), Value(tlsCa, TlsOptions.CaVariable))
                : TlsOptions.FromEnvironment();
            // The command handles SIGTERM and Ctrl+C itself (the graceful leave below; hocon/akka-node.conf turns Akka's process-exit hook off).
            // The run's gipo.weights (with --set) win over any in the cluster config: every node of the run must agree on them.
            akka = WeightTransferSettings.ConfigOf(settings).WithFallback(akka);
            var options = new NodeOptions(
                akka, p => Console.Error.WriteLine($"node: step {p.Step} {Describe(p.Line)}"),
                Membership: membership, Journal: journal, Tls: tls, Management: management)
            {
                // Stay long enough after the learner's last step for every other node's poll to see the end.
                FinishLinger = TimeSpan.FromSeconds(6),
            };
            TrainingNode node;
            try
            {
                node = TrainingNode.StartAsync(folder, settings, Path.GetFullPath(run.BaseCheckpoint), options).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is InvalidOperationException or TlsConfigurationException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            catch (TimeoutException)
            {
                Console.Error.WriteLine($"error: node did not become a cluster member within 60 s (seeds: {string.Join(", ", seeds)}); " +
                                        $"check the seeds, the cluster name and TLS settings");
                return 2;
            }
            var self = Akka.Cluster.Cluster.Get(node.System).SelfAddress;
            Console.Error.WriteLine($"node: {self} up with roles {string.Join(",", membership.Roles)}, run {folder.Id}, " +
                                    $"journal {journal.Describe()}");
            // SIGTERM (docker stop, a Kubernetes rolling update) and Ctrl+C are a graceful leave: the learner hosted here
            // hands over (LearnerHandOver), then the node leaves and its singletons move to the standby.
            using var signals = new StopSignals();
            RunOutcome outcome;
            try
            {
                outcome = node.RunAsync(signals.Token).GetAwaiter().GetResult();
                if (signals.Signal is not null && !outcome.Finished
                    && outcome.Ending != RunEnding.Failed) outcome = outcome with { Ending = RunEnding.LeftOnRequest };
            }
            catch (OperationCanceledException) when (node.Completion is { IsCompletedSuccessfully: true, Result.Finished: true })
            {
                outcome = node.Completion.Result; // the signal came while the node lingered after the run's end
            }
            catch (OperationCanceledException)
            {
                outcome = new RunOutcome(false, -1, -1, null, null, "stopped on request") { Ending = RunEnding.LeftOnRequest };
            }
            if (!outcome.Finished)
            {
                // Distinct codes and messages (README, "Exit codes"): 0 left on request after a clean hand-over, 5 left
                // on request without one, 6 downed by the cluster, 2 the run failed.
                var (code, message) = outcome.Ending switch
                {
                    RunEnding.LeftOnRequest => LeftOnRequest(signals.Signal ?? "shutdown", node.HandOver, node.StandbyLearners),
                    RunEnding.Downed => (ExitCodes.Downed, "node: downed by the cluster (unreachable for too long, or removed by another member): " +
                                                          "its work was taken over by the other nodes; restart it to rejoin"),
                    _ => (ExitCodes.Failed, $"error: {outcome.Error}"),
                };
                Console.Error.WriteLine(message);
                return code;
            }
            Console.Error.WriteLine($"node: run {folder.Id} finished at step {outcome.Step}, policy version {outcome.PolicyVersion}");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The exit code and closing line of a node that left the cluster on request (<paramref name="signal"/>), by what
    /// its learner answered (<see cref="TrainingNode.HandOver"/>): 0 when the hand-over committed its checkpoint (or
    /// the node hosted no learner), 5 when it failed or timed out. With no
    /// <paramref name="standbyLearners"/> the checkpoint waits for the next coordinator/learner node to start.
    /// </summary>
    internal static (int Code, string Message) LeftOnRequest(string signal, Gipo.Cluster.Learning.LearnerHandedOver? handOver, int standbyLearners)
    {
        var left = $"node: left the cluster on request ({signal})";
        var next = standbyLearners > 0 ? "the standby continues from it"
            : "no standby learner node is up: the run continues from it when a coordinator/learner node starts with the same run id";
        return handOver switch
        {
            null => (ExitCodes.Ok, $"{left}; no learner was running here, nothing to hand over"),
            { Error: { } error } => (ExitCodes.Stopped, $"{left}, but the learner was not handed over: {error}"),
            { Checkpoint: { } checkpoint } h => (ExitCodes.Ok,
                $"{left}; handed the learner over at step {h.Step}, policy version {h.PolicyVersion}: checkpoint {checkpoint} " +
                $"{(h.Written ? "committed" : "was the last one committed")}; {next}"),
            { } h => (ExitCodes.Ok, $"{left}; handed the learner over at step {Math.Max(0, h.Step)}: nothing trained yet, " +
                                    $"the next learner starts from the base model"),
        };
    }

    /// <summary>
    /// The run's settings. A node that hosts run state (coordinator, learner) writes <c>run.conf</c> the first time and
    /// afterwards holds every node to it: settings must not change mid-run. A sampler or scorer node uses the shared
    /// <c>run.conf</c> when it can see it, else its own <c>--config/--set</c> (which must then be the run's).
    /// </summary>
    private static GipoSettings RunSettingsFor(RunFolder folder, string? preset, string[] overrides, string? baseCheckpoint, bool hostsRunState,
                                               string journalKind)
    {
        string[] all =
            [.. overrides, .. baseCheckpoint is not null ? [$"run.base-checkpoint={Path.GetFullPath(baseCheckpoint)}"] : Array.Empty<string>()];
        // run.conf records where the journal is (not the connection string), so that gipo status knows what it needs.
        var given = preset is not null || all.Length > 0 ? GipoSettings.Load(preset, [.. all, $"run.journal={journalKind}"]) : null;
        if (folder.Exists)
        {
            var stored = folder.ReadConfig();
            if (given is not null && !given.Flatten().OrderBy(kv => kv.Key).SequenceEqual(stored.Flatten().OrderBy(kv => kv.Key)))
            {
                var diff = given.Flatten().Where(kv => !stored.Flatten().TryGetValue(kv.Key, out var v) || v != kv.Value)
                    .Select(kv => kv.Key).Take(5);
                throw new ArgumentException($"run '{folder.Id}' already has other settings in {folder.ConfigFile} " +
                                            $"(differs at {string.Join(", ", diff)}); " +
                                            "start every node with the run's settings, or with no --config/--set to use run.conf");
            }
            return stored;
        }
        var settings = given ?? GipoSettings.Load(null, [$"run.journal={journalKind}"]);
        AlgorithmSettingsReader.Read(settings); // every error before anything is written
        if (hostsRunState) folder.WriteConfig(settings);
        return settings;
    }

    /// <summary>The operator's Akka settings file (<c>--cluster-config</c>); a missing or malformed file is an error naming it.</summary>
    private static Akka.Configuration.Config ReadClusterConfig(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"cluster config '{Path.GetFullPath(path)}' does not exist " +
                                                                $"(--cluster-config / GIPO_CLUSTER_CONFIG)");
        try
        {
            var text = File.ReadAllText(path);
            // Akka's parser accepts unbalanced braces and can loop on a broken array: check the syntax first.
            Gipo.Cluster.Configuration.HoconSyntax.Check(text, Path.GetFullPath(path));
            return Akka.Configuration.ConfigurationFactory.ParseString(text);
        }
        catch (Gipo.Cluster.Configuration.HoconSyntaxException)
        {
            throw;
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new ArgumentException($"cluster config '{Path.GetFullPath(path)}' is not valid HOCON: {e.Message}", e);
        }
    }

    private static int IntFromEnvironment(string variable, int fallback) => GipoEnvironment.Get(variable) is { } text
        ? int.TryParse(text, out var value) ? value : throw new ArgumentException($"{variable} = '{text}' is not a number")
        : fallback;


    private static string Describe(JsonObject line) =>
        $"v{line["policy_version"]} reward {line["reward_mean"]} pass@1 {line["eval_pass_at_1"]?.ToString() ?? "–"} samples {line["samples_total"]}";
}
