using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Pattern;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Sampling;
using Gipo.Cluster.Scheduling;
using Gipo.Cluster.Scoring;
using Gipo.Cluster.Serialization;
using Gipo.Cluster.Weights;
using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Tasks;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Native;
using Gipo.Model.Sampling;

namespace Gipo.Cluster.Runtime;

/// <summary>How a training run ended.</summary>
public sealed record RunOutcome(bool Finished, long Step, long PolicyVersion, double? EvalPassAt1, string? Checkpoint, string? Error);

/// <summary>Options of a node that are not run settings.</summary>
/// <param name="ExtraConfig">HOCON on top of the node's (tests: <c>akka.actor.serialize-messages = on</c>).</param>
/// <param name="Progress">Called with every metrics line (console progress).</param>
/// <param name="BeforeLearnerStep">Fault injection for tests (see <see cref="LearnerSetup.BeforeStep"/>).</param>
public sealed record NodeOptions(Config? ExtraConfig = null, Action<ProgressReport>? Progress = null, Action<long>? BeforeLearnerStep = null);

/// <summary>
/// One process with every role (coordinator, learner, sampler, scorer): the embedded default of ARCHITECTURE
/// "Cluster". The actor system uses the cluster provider on loopback and joins itself, so the coordinator, the
/// entropy scheduler and the learner run as cluster singletons exactly as they do across machines; persistence is
/// the run folder's SQLite file. Persistent singletons sit under back-off supervisors that bring them back after a
/// journal failure stops them; samplers and the scorer under back-off supervisors that re-create them after a
/// failure (so the coordinator's DeathWatch re-issues their leases at once).
/// </summary>
public sealed class TrainingNode : IAsyncDisposable
{
    /// <summary>The name every Gipo actor system uses (cluster nodes must agree on it).</summary>
    public const string SystemName = "gipo";

    private readonly TaskCompletionSource<RunOutcome> outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TrainingNode(ActorSystem system) => System = system;

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The coordinator singleton's proxy.</summary>
    public IActorRef Coordinator { get; private set; } = ActorRefs.Nobody;

    /// <summary>Completes when the learner reports the run finished or failed.</summary>
    public Task<RunOutcome> Completion => outcome.Task;

    /// <summary>
    /// The actor system's configuration for a run folder: cluster on loopback, the serializer, the torch dispatcher and
    /// SQLite persistence in <paramref name="folder"/>.
    /// </summary>
    public static Config NodeConfig(RunFolder folder, Config? extra = null)
    {
        var node = ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = WARNING
              loggers = ["{{typeof(StandardErrorLogger).FullName}}, {{typeof(StandardErrorLogger).Assembly.GetName().Name}}"]
              stdout-loglevel = OFF
              log-dead-letters-during-shutdown = off
              actor.provider = cluster
              remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
              cluster {
                roles = [coordinator, learner, sampler, scorer]
                min-nr-of-members = 1
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver.active-strategy = keep-majority
                log-info = off
              }
              coordinated-shutdown.exit-clr = off
              # On one node the proxies' identification timer fires spuriously (the singletons are found and used);
              # cluster nodes (gipo node) keep the warning on.
              cluster.singleton-proxy.log-singleton-identification-failure = off
            }
            """);
        return (extra ?? Config.Empty).WithFallback(node).WithFallback(GipoDispatchers.Config).WithFallback(WeightTransferSettings.Config)
            .WithFallback(LedgerPersistence.ForRun(folder.Database));
    }

    /// <summary>
    /// Starts the run in <paramref name="folder"/> (fresh or resumed: the persistent actors recover whatever the
    /// journal holds) from <paramref name="baseCheckpoint"/>.
    /// </summary>
    public static async Task<TrainingNode> StartAsync(RunFolder folder, GipoSettings settings, string baseCheckpoint, NodeOptions? options = null)
    {
        options ??= new NodeOptions();
        var algorithm = AlgorithmSettingsReader.Read(settings);
        var run = RunSettings.Read(settings);
        if (algorithm.Ib.TrainOnFiltered)
            throw new ArgumentException("'gipo.algorithm.ib.train-on-filtered' = on is not supported by the actor runtime: filtered groups are dropped by the coordinator and never reach the learner");
        var ledger = run.Ledger(algorithm);
        var task = ReasoningTasks.Get(run.Task);
        var modelConfig = HfCheckpoint.ReadConfig(baseCheckpoint);
        var (tokenizer, _) = CheckpointTokenizer.Load(baseCheckpoint, modelConfig);
        var prompts = task.Sample(run.TrainSplit, run.PromptCount, run.Seed);
        var evalProblems = task.Sample(run.EvalSplit, run.EvalPrompts, run.Seed + 7919);
        Directory.CreateDirectory(folder.Checkpoints);
        LedgerPersistence.PrepareSqlite(folder.Database);
        NativeTorch.EnsureLoaded();
        // Process-wide; 0 leaves whatever the process set (one thread per core by default).
        if (run.TorchThreads > 0) TorchRuntime.SetThreads(run.TorchThreads);

        var system = ActorSystem.Create(SystemName, NodeConfig(folder, options.ExtraConfig));
        var node = new TrainingNode(system);
        try
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            cluster.RegisterOnMemberUp(() => up.TrySetResult());
            await cluster.JoinAsync(cluster.SelfAddress);
            await up.Task.WaitAsync(TimeSpan.FromSeconds(30));

            var host = system.ActorOf(Akka.Actor.Props.Create(() => new OutcomeListener(node.outcome)), "run");
            var coordinator = Singleton(system, "coordinator", "coordinator",
                BackoffSupervisor.Props(Backoff.OnStop(RunCoordinator.Props(folder.Id, ledger, new RunCoordinatorOptions(run.SnapshotEvery)),
                    "ledger", TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), 0.2, -1)));
            node.Coordinator = coordinator;

            IActorRef? scheduler = null;
            if (algorithm.Entropy.Mode is EntropyMode.Gsec or EntropyMode.AdaptiveGlobal)
            {
                // The same scheduler GipoLearner would build (adaptive_global: one gated bucket), journaled.
                var (schedulerConfig, buckets) = algorithm.Entropy.Mode == EntropyMode.Gsec
                    ? (algorithm.Scheduler, algorithm.Buckets)
                    : (algorithm.Scheduler with { Mode = EntropySchedulerConfig.Gated }, 1);
                scheduler = Singleton(system, "entropy-scheduler", "learner",
                    BackoffSupervisor.Props(Backoff.OnStop(EntropySchedulerActor.Props(folder.Id, schedulerConfig, buckets, run.SnapshotEvery),
                        "scheduler", TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), 0.2, -1)));
            }

            var store = system.ActorOf(WeightStore.Props(), "weight-store");
            var metrics = system.ActorOf(MetricsSink.Props(folder.Metrics, folder.Root, options.Progress), "metrics");
            var learnerSetup = new LearnerSetup(folder.Id, algorithm, run.Steps, run.Seed, run.CheckpointEvery, run.EvalEvery, run.EvalSamples,
                run.Device, baseCheckpoint, folder.Checkpoints, task, evalProblems, run.Poll) { BeforeStep = options.BeforeLearnerStep };
            Singleton(system, "learner", "learner", BackoffSupervisor.Props(Backoff.OnFailure(
                LearnerActor.Props(learnerSetup, coordinator, scheduler, store, metrics, host), "learner",
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, -1)));

            var scorer = system.ActorOf(BackoffSupervisor.Props(Backoff.OnFailure(
                RewardScorer.Props(task, tokenizer, prompts, coordinator, run.ScorerTimeout), "scorer",
                TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 0.2, -1)), "scorer-supervisor");
            var samplerSetup = new SamplerSetup(modelConfig, tokenizer, task, prompts, algorithm.GroupSize,
                new SamplingOptions(algorithm.Temperature, MaxNewTokens: algorithm.MaxNewTokens), run.GroupsPerLease, run.Device, run.Poll);
            system.ActorOf(SamplerSupervisor.Props(run.Samplers, _ => SamplerActor.Props(samplerSetup, coordinator, scorer, store, metrics)), "samplers");
            return node;
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    /// <summary>Runs until the learner reports the end (or <paramref name="cancel"/>), then leaves the cluster and shuts down.</summary>
    public async Task<RunOutcome> RunAsync(CancellationToken cancel = default)
    {
        try
        {
            return await Completion.WaitAsync(cancel);
        }
        finally
        {
            await DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
    }

    private static IActorRef Singleton(ActorSystem system, string name, string role, Props props)
    {
        system.ActorOf(ClusterSingletonManager.Props(props, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithRole(role)), name);
        return system.ActorOf(ClusterSingletonProxy.Props($"/user/{name}", ClusterSingletonProxySettings.Create(system).WithRole(role)), $"{name}-proxy");
    }

    /// <summary>Completes the node's outcome from the learner's last word.</summary>
    private sealed class OutcomeListener : ReceiveActor
    {
        public OutcomeListener(TaskCompletionSource<RunOutcome> outcome)
        {
            Receive<RunFinished>(m => outcome.TrySetResult(new RunOutcome(true, m.Step, m.PolicyVersion, m.EvalPassAt1, m.Checkpoint, null)));
            Receive<RunFailed>(m => outcome.TrySetResult(new RunOutcome(false, -1, -1, null, null, m.Reason)));
        }
    }
}
