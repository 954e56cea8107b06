using Akka.Actor;
using Akka.Cluster.Routing;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Event;
using Akka.Pattern;
using Akka.Routing;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Fencing;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Rollouts;
using Gipo.Cluster.Sampling;
using Gipo.Cluster.Scoring;
using Gipo.Cluster.Telemetry;
using Gipo.Cluster.Weights;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Native;
using Gipo.Model.Sampling;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// A Gipo cluster node. <see cref="StartAsync"/> with default options is the single-process default of
/// docs/architecture.md, "Cluster": one process with every role, on loopback, joining itself, journaling to the run
/// folder's SQLite file. With a <see cref="ClusterMembership"/> it is one member of a multi-node cluster
/// (<c>gipo node</c>): the coordinator (run ledger) is a cluster singleton on the <c>coordinator</c> role; the learner
/// (with its entropy scheduler inside), weight store and metrics sink are singletons on the <c>learner</c> role (so they
/// live together on the oldest learner node, and a standby learner node takes them over when it dies); samplers and the
/// scorer run on every node with those roles.
/// Persistent singletons sit under back-off supervisors that bring them back after a journal failure stops them;
/// samplers and the scorer under back-off supervisors that re-create them after a failure (so the coordinator's
/// DeathWatch re-issues their leases at once).
/// </summary>
public sealed class TrainingNode : IAsyncDisposable
{
    /// <summary>The name every Gipo actor system uses by default (cluster nodes must agree on it).</summary>
    public const string SystemName = ClusterMembership.DefaultName;

    private const string ScorerName = "scorer-supervisor";
    private const string LearnerName = "learner";
    private readonly TaskCompletionSource<RunOutcome> outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TimeSpan linger;
    private volatile bool stopRequested;
    private bool hostsLearner;
    private bool clusterNode; // gipo node (a membership given), not gipo train's single process
    private string runRoot = "";
    private ManagementEndpoint? management;
    private ClusterHealthMetrics? health;
    private OpenTelemetry.Metrics.MeterProvider? telemetry;

    private TrainingNode(ActorSystem system) => System = system;

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The coordinator singleton's proxy.</summary>
    public IActorRef Coordinator { get; private set; } = ActorRefs.Nobody;

    /// <summary>
    /// What the learner hosted on this node answered when the node left on request (<see cref="LearnerHandOver"/>):
    /// the step and checkpoint the standby continues from, or why the hand-over failed. Null when there was no
    /// hand-over (no learner here, the node was downed, or it has not left).
    /// </summary>
    public LearnerHandedOver? HandOver { get; private set; }

    /// <summary>Other learner-role members that were up when this node handed its learner over (0: nobody takes over now).</summary>
    public int StandbyLearners { get; private set; }

    /// <summary>Completes when the run finished or failed, or this node left the cluster.</summary>
    public Task<RunOutcome> Completion => outcome.Task;

    /// <summary>
    /// The actor system's configuration for a run folder: cluster on loopback, the serializer, the torch dispatcher and
    /// SQLite persistence in <paramref name="folder"/>.
    /// </summary>
    public static Config NodeConfig(RunFolder folder, Config? extra = null) =>
        NodeConfig(ClusterMembership.SingleProcess, JournalDatabase.Sqlite(folder.Database), false, extra);

    /// <summary>
    /// The actor system's configuration for a node: membership, the serializer, the torch dispatcher and persistence.
    /// TLS itself is applied by <see cref="TransportSecurity.SystemSetup"/>; <paramref name="tls"/> only picks the
    /// seeds' address scheme (<c>akka.ssl.tcp</c>).
    /// </summary>
    public static Config NodeConfig(ClusterMembership membership, JournalDatabase journal, bool tls, Config? extra)
    {
        // Only what is known at run time is set here; every default is in hocon/akka-node.conf (AkkaReference.Node).
        var node = ComputedConfig.Of(
            ("akka.remote.dot-netty.tcp.hostname", membership.Hostname),
            ("akka.remote.dot-netty.tcp.public-hostname", membership.PublicHostname ?? membership.Hostname),
            ("akka.remote.dot-netty.tcp.port", membership.Port),
            ("akka.cluster.roles", membership.Roles),
            ("akka.cluster.seed-nodes", membership.SeedAddresses(tls)));
        var config = node.WithFallback(AkkaReference.Node).WithFallback(AkkaReference.Actors).WithFallback(WeightTransferSettings.Config)
            .WithFallback(LedgerPersistence.ForRun(journal));
        return extra is not null ? extra.WithFallback(config) : config;
    }

    /// <summary>
    /// Starts this node's part of the run in <paramref name="folder"/> (fresh or resumed: the persistent actors recover
    /// whatever the journal holds) from <paramref name="baseCheckpoint"/>.
    /// </summary>
    public static async Task<TrainingNode> StartAsync(RunFolder folder, GipoSettings settings, string baseCheckpoint, NodeOptions? options = null)
    {
        options ??= new NodeOptions();
        var membership = (options.Membership ?? ClusterMembership.SingleProcess).Validate();
        var journal = options.Journal ?? JournalDatabase.Sqlite(folder.Database);
        var algorithm = AlgorithmSettingsReader.Read(settings);
        var run = RunSettings.Read(settings);
        var telemetrySettings = TelemetrySettings.Read(settings);
        if (algorithm.Ib.TrainOnFiltered)
            throw new ArgumentException("'gipo.algorithm.ib.train-on-filtered' = on is not supported by the actor runtime: " +
                                        "filtered groups are dropped by the coordinator and never reach the learner");
        var ledger = run.Ledger(algorithm);
        var task = run.CreateTask(baseCheckpoint);
        var modelConfig = HfCheckpoint.ReadConfig(baseCheckpoint);
        var (tokenizer, _) = CheckpointTokenizer.Load(baseCheckpoint, modelConfig);
        var prompts = task.Sample(run.TrainSplit, run.PromptCount, run.Seed);
        // Characters the tokenizer lacks become unknown tokens: every reward 0 and dynamic sampling filtering forever.
        Gipo.Core.Tokenization.TokenizerAlphabet.Require(tokenizer, prompts.SelectMany(p => new[] { p.Prompt, p.Answer }),
                                                         $"base checkpoint {baseCheckpoint}");
        var evalProblems = task.Sample(run.EvalSplit, run.EvalPrompts, run.EvalPromptSeed);
        var learnerNode = membership.Has(NodeRoles.Learner);
        if (learnerNode) Directory.CreateDirectory(folder.Checkpoints);
        if (learnerNode || membership.Has(NodeRoles.Coordinator)) journal.Prepare();
        if (learnerNode || membership.Has(NodeRoles.Sampler))
        {
            NativeTorch.EnsureLoaded();
            // Process-wide; 0 leaves whatever the process set (one thread per core by default).
            if (run.TorchThreads > 0) TorchRuntime.SetThreads(run.TorchThreads);
        }

        var config = NodeConfig(membership, journal, options.Tls is not null, options.ExtraConfig);
        // Nodes of a cluster (gipo node) get hocon/cluster.conf and fence their singletons with the journal lease; a
        // single process (gipo train) is kept alone by the run lock, and a lease there would only delay a resume after
        // a kill by its time-out.
        if (options.Membership is not null) config = config.WithFallback(JournalLeaseConfig(folder.Id, journal));
        if (options.Management is { } management) config = ClusterManagement.Config(management).WithFallback(config);
        var system = ActorSystem.Create(membership.ClusterName, TransportSecurity.SystemSetup(config, options.Tls));
        var node = new TrainingNode(system);
        try
        {
            // A chunk that cannot fit the remote frame stops the node here, not in a sampler's restart loop.
            WeightTransferSettings.Create(system);
            var cluster = Akka.Cluster.Cluster.Get(system);
            node.health = new ClusterHealthMetrics(() =>
            {
                var state = cluster.State;
                return (state.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up && !state.Unreachable.Contains(m)),
                        state.Unreachable.Count);
            });
            node.telemetry = OtlpMetricsExport.Start(telemetrySettings, folder.Id, cluster.SelfAddress.ToString());
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            cluster.RegisterOnMemberUp(() => up.TrySetResult());
            // A node that leaves (downed by the split-brain resolver, or shut down) has no part in the run any more.
            cluster.RegisterOnMemberRemoved(() => node.outcome.TrySetResult(node.Removed()));
            // With seeds the cluster joins them by itself (akka.cluster.seed-nodes); with discovery, Cluster Bootstrap
            // finds the contact points and joins or forms the cluster; with neither, the node is a cluster of its own.
            if (options.Management is { } m) node.management = await ClusterManagement.StartAsync(system, m);
            else if (membership.Seeds is not { Count: > 0 }) await cluster.JoinAsync(cluster.SelfAddress);
            await up.Task.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            var leased = LeaseIsUsed(system);
            // A first seed that found no other seed formed a cluster of its own. If the run's journal shows a live
            // lease of another cluster, starting singletons here would be a second coordinator on the same journal.
            if (leased && (learnerNode || membership.Has(NodeRoles.Coordinator)))
                await RefuseSecondClusterAsync(cluster, membership, new JournalLeaseTable(journal), folder.Id,
                    system.Settings.Config.GetTimeSpan("akka.coordination.journal-lease.heartbeat-timeout"), system.Log).ConfigureAwait(false);

            var host = system.ActorOf(RunOutcomeListener.Props(node.outcome), "run");
            var coordinator = Singleton(system, membership, "coordinator", NodeRoles.Coordinator,
                () => BackoffSupervisor.Props(Backoff.OnStop(RunCoordinator.Props(folder.Id, ledger, new RunCoordinatorOptions(run.SnapshotEvery)
                    {
                        ValidateSettings = (journaled, candidate) => ValidateLiveChange(settings, journaled, candidate),
                        FailureListener = host, JournalDescription = journal.Describe(), JournalPath = journal.LocalFile,
                        Fence = leased ? FenceOf(system, "coordinator") : null,
                    }),
                    "ledger", TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), 0.2, -1)));
            node.Coordinator = coordinator;
            // gipo set writes requests into the run folder; the coordinator's nodes deliver them (SettingsInbox).
            if (membership.Has(NodeRoles.Coordinator))
                system.ActorOf(SettingsInbox.Props(SettingsRequestFolder.Of(folder), coordinator, TimeSpan.FromMilliseconds(250)), "settings-inbox");

            // The weight store and the metrics sink live beside the learner (same role: the oldest learner node hosts
            // all learner-role singletons), so the learner's whole-model PublishWeights and metrics.jsonl stay local;
            // only small notices and 256 KiB chunks cross nodes.
            var store = Singleton(system, membership, "weight-store", NodeRoles.Learner, () => WeightStore.Props());
            var metrics =
                Singleton(system, membership, "metrics", NodeRoles.Learner, () => MetricsSink.Props(folder.Metrics, folder.Root, options.Progress,
                run.TensorBoard ? folder.TensorBoard : null));
            var learnerSetup = new LearnerSetup(folder.Id, algorithm, run.Steps, run.Seed, run.CheckpointEvery, run.EvalEvery, run.EvalSamples,
                run.Device, baseCheckpoint, folder.Checkpoints, task, evalProblems, run.Poll) 
            {
                EvalSamplingSeed = run.EvalSamplingSeed, KeepCheckpoints = run.KeepCheckpoints,
                SamplesDirectory = run.EvalLogSamples > 0 ? folder.Samples : null, EvalLogSamples = run.EvalLogSamples, Health = node.health,
                RolloutLog = new RolloutStore(folder.Rollouts, run.RolloutLogMaxBytes), Settings = settings,
                FromCheckpoint = options.FromCheckpoint,
                Fence = leased ? FenceOf(system, "learner") : null,
            };
            // Transient learner failures are retried after a back-off; one that would only repeat ends the run (LearnerFailures).
            var learnerFailures = new LearnerFailures();
            Singleton(system, membership, LearnerName, NodeRoles.Learner, () => BackoffSupervisor.Props(Backoff.OnFailure(
                LearnerActor.Props(learnerSetup, coordinator, store, metrics, host, learnerFailures), LearnerName,
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, -1)));
            if (membership.Has(NodeRoles.Learner)) node.AddHandOverTask(cluster);

            IActorRef? scorer = null;
            if (membership.Has(NodeRoles.Scorer))
            {
                scorer = system.ActorOf(BackoffSupervisor.Props(Backoff.OnFailure(
                    RewardScorer.Props(task, tokenizer, prompts, coordinator, run.ScorerTimeout), "scorer",
                    TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 0.2, -1)), ScorerName);
            }
            if (membership.Has(NodeRoles.Sampler))
            {
                // A sampler node without the scorer role sends its groups to the scorers of other nodes, round robin.
                scorer ??= system.ActorOf(new ClusterRouterGroup(new RoundRobinGroup([$"/user/{ScorerName}"]),
                    new ClusterRouterGroupSettings(1000, [$"/user/{ScorerName}"], allowLocalRoutees: false, useRole: NodeRoles.Scorer))
                        .Props(), "scorers");
                var samplerSetup = new SamplerSetup(modelConfig, tokenizer, task, prompts, algorithm.GroupSize,
                    new SamplingOptions(algorithm.Temperature, MaxNewTokens: algorithm.MaxNewTokens), run.GroupsPerLease, run.Device, run.Poll);
                system.ActorOf(SamplerSupervisor.Props(run.Samplers, _ => SamplerActor.Props(samplerSetup, coordinator, scorer, store, metrics)),
                               "samplers");
            }
            // Nodes that do not host the learner learn of the run's end from the coordinator. A single process hosts the
            // learner, which reports the end itself; a watcher there would race it when a resumed run that had ended is
            // rolled back (a damaged final checkpoint, --from-checkpoint) and end the process before the rollback.
            if (options.Membership is not null)
                system.ActorOf(RunEndWatcher.Props(coordinator, host, options.FinishPoll, options.OrphanTimeout), "run-end-watcher");
            node.linger = options.FinishLinger;
            node.hostsLearner = membership.Has(NodeRoles.Learner);
            node.clusterNode = options.Membership is not null;
            node.runRoot = folder.Root;
            return node;
        }
        catch
        {
            await system.Terminate();
            node.telemetry?.Dispose();
            node.health?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The settings of a cluster member (<c>gipo node</c>): <c>hocon/cluster.conf</c> (<see cref="AkkaReference.Cluster"/>:
    /// failure detection, downing, the singletons' journal lease) with the lease's connection and run
    /// (<see cref="JournalLease"/>) on top.
    /// </summary>
    public static Config JournalLeaseConfig(string runId, JournalDatabase journal) => ComputedConfig.Of(
            ("akka.coordination.journal-lease.run-id", runId),
            ("akka.coordination.journal-lease.provider-name", journal.ProviderName),
            ("akka.coordination.journal-lease.connection-string", journal.ConnectionString))
        .WithFallback(AkkaReference.Cluster);

    /// <summary>Whether this system's singletons acquire a lease (<c>akka.cluster.singleton.use-lease</c> is set).</summary>
    private static bool LeaseIsUsed(ActorSystem system) =>
        !string.IsNullOrEmpty(system.Settings.Config.GetString("akka.cluster.singleton.use-lease", ""));

    /// <summary>The fencing check of singleton <paramref name="name"/>'s lease, named as Akka's singleton manager names it.</summary>
    private static Func<string?> FenceOf(ActorSystem system, string name)
    {
        var leaseName = $"{system.Name}-singleton-{new RootActorPath(new Address("akka", system.Name)) / "user" / name}";
        return () => JournalLease.Find(system, leaseName) is { } lease ? lease.Fence() : $"no lease '{leaseName}' was acquired on this node";
    }

    /// <summary>
    /// Throws <see cref="SecondClusterException"/> when this node formed a new cluster (it is the first seed and the
    /// only member) while a lease of run <paramref name="runId"/> is live and held by a node at another address. A lease
    /// of another node that ended less than <paramref name="ttl"/> ago is watched until it has been over for that long:
    /// a holder on an overloaded machine can renew late, and its lease then looks ended for a moment although its
    /// cluster runs; a renewal meanwhile is a refusal too.
    /// </summary>
    private static async Task RefuseSecondClusterAsync(Akka.Cluster.Cluster cluster, ClusterMembership membership, JournalLeaseTable leases,
        string runId, TimeSpan ttl, ILoggingAdapter log)
    {
        if (membership.Seeds is not { Count: > 0 } seeds) return;
        // The member-up callback and the cluster's read view (Cluster.State) follow the same events in different actors:
        // on a busy machine the view can still be empty when the callback has run, and an empty view is no proof of a
        // cluster of one. Wait until it shows this node.
        for (var i = 0; i < 100 && !cluster.State.Members.Any(m => m.UniqueAddress.Equals(cluster.SelfUniqueAddress)); i++)
            await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
        if (cluster.State.Members.Count != 1) return;
        var self = cluster.SelfAddress.HostPort();
        log.Info("this node ({0}) formed a new cluster (no other seed answered): checking run '{1}''s journal for another cluster's lease",
                 self, runId);
        var prefix = JournalLease.RowName(runId, "");
        var ttlMs = (long)ttl.TotalMilliseconds;
        var waited = false;
        while (true)
        {
            var (leased, now) = leases.LiveLeases(prefix, endedWithinMs: ttlMs);
            var others = leased.Where(l => LeaseHolderId.Owner(l.Row.Holder) != self).ToList();
            if (others.Count == 0) return;
            var live = others.FirstOrDefault(l => l.Row.ExpiresMs > now);
            if (live.Row is not null) throw SecondCluster(cluster, seeds, runId, live, now);
            if (!waited)
                log.Info("lease {0} of {1} ended {2:F1} s ago: watching it until it has been over for {3} s before this node's singletons " +
                         "start (a late renewal means its cluster still runs)", others[0].Name, LeaseHolderId.Owner(others[0].Row.Holder),
                         (now - others[0].Row.ExpiresMs) / 1000.0, ttl.TotalSeconds);
            waited = true;
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
    }

    private static SecondClusterException SecondCluster(Akka.Cluster.Cluster cluster, IReadOnlyList<string> seeds, string runId,
        (string Name, LeaseRecord Row) other, long now)
    {
        var self = cluster.SelfAddress.HostPort();
        return new SecondClusterException(
            $"this node ({self}) formed a new cluster (no other seed of {string.Join(", ", seeds)} answered), but run '{runId}' " +
            $"is live in another cluster: lease '{other.Name}' is held by {LeaseHolderId.Owner(other.Row.Holder)} (epoch {other.Row.Epoch}) until " +
            $"{LeaseRules.Describe(other.Row.ExpiresMs)} ({(other.Row.ExpiresMs - now) / 1000.0:F1} s from now, renewed while that node lives). " +
            "Refusing to start a second coordinator on the same journal: give this node the running cluster's nodes as --seed " +
            "(every coordinator/learner node), or wait until that cluster has ended");
    }

    /// <summary>The start-up validation of a live change (<see cref="LiveSettings.Validate"/>): null when valid, else the reason.</summary>
    private static string? ValidateLiveChange(GipoSettings settings, IReadOnlyList<SettingsChanged> journaled, SettingsChanged candidate)
    {
        try
        {
            LiveSettings.Validate(settings, journaled, candidate.Changes, candidate.EffectiveStep);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>Runs until the learner reports the end (or <paramref name="cancel"/>), then leaves the cluster and shuts down.</summary>
    public async Task<RunOutcome> RunAsync(CancellationToken cancel = default)
    {
        try
        {
            var result = await Completion.WaitAsync(cancel);
            if (result.Finished && linger > TimeSpan.Zero) await Task.Delay(linger, cancel);
            // The learner reports a folder, the end watcher the journal's manifest entry: always say the folder.
            return result.Checkpoint is { Length: > 0 } c ? result with { Checkpoint = CheckpointPath.Display(runRoot, c) } : result;
        }
        finally
        {
            await DisposeAsync();
        }
    }

    /// <summary>
    /// Leaves the cluster and ends the actor system. A node alone in its cluster (<c>gipo train</c>) has no one to
    /// hand its singletons to, so the leave phases (10 s time-outs each) are not waited for: after a short grace the
    /// system is terminated, which still lets the learner finish the message it is in (a step, or a checkpoint and its
    /// commit), so nothing half-written is left behind.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        stopRequested = true;
        var cluster = Akka.Cluster.Cluster.Get(System);
        var alone = cluster.State.Members.Count(m => m.Status != Akka.Cluster.MemberStatus.Removed) <= 1;
        if (alone && hostsLearner && !outcome.Task.IsCompleted && !cluster.IsTerminated)
        {
            // Alone, the shutdown below stops the coordinator within moments, and a learner still inside a checkpoint
            // would find no one to commit it to. So the learner hands over first, while the coordinator is there:
            // gipo train only lets it finish the message it is in (a quick stop); a gipo node, the last of its
            // cluster, also commits a checkpoint of its step for the node that continues the run.
            HandOver = await LearnerHandOver.RunAsync(System, LearnerPath, clusterNode ? HandOverTimeout
                : TimeSpan.FromSeconds(10), checkpoint: clusterNode);
        }
        var shutdown = CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
        if (alone && await Task.WhenAny(shutdown, Task.Delay(TimeSpan.FromSeconds(2))) != shutdown)
        {
            // An actor blocked in a synchronous ask (the learner, up to its ask time-out) can hold termination for tens
            // of seconds. Leaving without it is safe: journal writes are SQLite transactions, and a checkpoint renamed
            // into place but not committed is removed at the next start (gipo train's run-folder clean-up).
            var terminated = System.Terminate();
            await Task.WhenAny(terminated, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        else await shutdown;
        if (management is not null) await management.DisposeAsync();
        telemetry?.Dispose(); // flushes the last values to the collector
        health?.Dispose();
    }

    /// <summary>
    /// Runs <see cref="LearnerHandOver"/> in its coordinated-shutdown phase when the shutdown is a requested leave
    /// (<see cref="LearnerHandOver.Applies"/>): the learner this node hosts commits a checkpoint of its last step before
    /// the node leaves and the singletons move. The phase's time-out bounds the wait for the step in progress.
    /// </summary>
    private void AddHandOverTask(Akka.Cluster.Cluster cluster)
    {
        var shutdown = CoordinatedShutdown.Get(System);
        shutdown.AddTask(LearnerHandOver.Phase, "gipo-learner-hand-over", async () =>
        {
            var others =
                cluster.State.Members.Count(m => m.Status != Akka.Cluster.MemberStatus.Removed && !m.UniqueAddress.Equals(cluster.SelfUniqueAddress));
            if (!LearnerHandOver.Applies(shutdown.ShutdownReason, cluster.SelfMember.Status, others)) return Akka.Done.Instance;
            // The run finished (its last checkpoint is committed) or failed here: nothing left to hand over, and the
            // coordinator the learner would ask may be gone already.
            if (outcome.Task.IsCompleted) return Akka.Done.Instance;
            StandbyLearners = cluster.State.Members.Count(m => m.HasRole(NodeRoles.Learner)
                && m.Status is Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.WeaklyUp
                                                                && !m.UniqueAddress.Equals(cluster.SelfUniqueAddress));
            HandOver = await LearnerHandOver.RunAsync(System, LearnerPath, HandOverTimeout);
            return Akka.Done.Instance;
        });
    }

    private static string LearnerPath => $"/user/{LearnerName}/singleton/{LearnerName}";

    /// <summary>A second short of the hand-over phase's time-out, so the answer (or its absence) is recorded before the phase gives up.</summary>
    private TimeSpan HandOverTimeout
    {
        get
        {
            var timeout = CoordinatedShutdown.Get(System).Timeout(LearnerHandOver.Phase) - TimeSpan.FromSeconds(1);
            return timeout > TimeSpan.Zero ? timeout : TimeSpan.FromSeconds(1);
        }
    }

    /// <summary>The outcome when the cluster removes this node: it asked to leave, or it was downed.</summary>
    private RunOutcome Removed()
    {
        var reason = CoordinatedShutdown.Get(System).ShutdownReason;
        var requested = stopRequested || reason is CoordinatedShutdown.ClrExitReason or CoordinatedShutdown.ActorSystemTerminateReason;
        return requested
            ? new RunOutcome(false, -1, -1, null, null, "this node left the cluster on request " +
                                                        "(SIGTERM or shutdown)") { Ending = RunEnding.LeftOnRequest }
            : new RunOutcome(false, -1, -1, null, null, "this node was downed by the cluster (unreachable for too long, " +
                                                        "or removed by another member)") { Ending = RunEnding.Downed };
    }

    /// <summary>
    /// A cluster singleton: its manager runs on nodes with <paramref name="role"/> (the oldest of them hosts it); every
    /// node gets a proxy that follows it across fail-overs.
    /// </summary>
    private static IActorRef Singleton(ActorSystem system, ClusterMembership membership, string name, string role, Func<Props> props)
    {
        if (membership.Has(role))
            system.ActorOf(ClusterSingletonManager.Props(props(), PoisonPill.Instance,
                                                         ClusterSingletonManagerSettings.Create(system).WithRole(role)), name);
        return system.ActorOf(ClusterSingletonProxy.Props($"/user/{name}", ClusterSingletonProxySettings.Create(system).WithRole(role)),
                              $"{name}-proxy");
    }
}
