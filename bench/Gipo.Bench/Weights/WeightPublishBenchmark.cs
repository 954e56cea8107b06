using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Gipo.Cluster.Serialization;
using Gipo.Cluster.Weights;
using Gipo.Model.Checkpoints;

namespace Gipo.Bench.Weights;

/// <summary>
/// Publish-to-all-samplers latency of weights across real remoting: per sampler-node count, one learner node
/// (the <see cref="WeightStore"/>) and N sampler nodes (a <see cref="WeightFetcher"/> each), every node its own
/// <see cref="ActorSystem"/> with the cluster provider on 127.0.0.1 and its own port, all in this process (so the
/// nodes share its CPU and the clock). The learner node seeds the cluster; the others join it. A repetition tells
/// the store a <see cref="PublishWeights"/> and ends when every fetcher has delivered the verified blob.
/// </summary>
public static class WeightPublishBenchmark
{
    private static readonly Type LoggerType = typeof(Gipo.Cluster.Runtime.StandardErrorLogger);

    /// <summary>The HOCON of a benchmark node: cluster on loopback, port 0, the Gipo serializer, default failure detector,
    /// <paramref name="transfer"/> with a frame that fits it.</summary>
    public static Config NodeConfig(WeightTransferSettings transfer)
    {
        var frame = Math.Max(1 << 20, 4L * transfer.ChunkBytes);
        return ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = WARNING
              # The log goes to standard error: standard output carries the command's results (--json).
              loggers = ["{{LoggerType.FullName}}, {{LoggerType.Assembly.GetName().Name}}"]
              stdout-loglevel = OFF
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor.provider = cluster
              remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, maximum-frame-size = {{frame}}b }
              remote.log-remote-lifecycle-events = off
              cluster {
                log-info = off
                failure-detector { heartbeat-interval = 1s, acceptable-heartbeat-pause = 3s }
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
              }
              coordinated-shutdown.exit-clr = off
              coordinated-shutdown.run-by-clr-shutdown-hook = off
            }
            gipo.weights {
              chunk-size = {{transfer.ChunkBytes}}b
              window = {{transfer.Window}}
              keep-versions = {{transfer.KeepVersions}}
              chunk-timeout = {{(long)transfer.ChunkTimeout.TotalMilliseconds}}ms
              max-retries = {{transfer.MaxRetries}}
              hash-attempts = {{transfer.HashAttempts}}
              resubscribe-interval = {{(long)transfer.ResubscribeInterval.TotalMilliseconds}}ms
              supersede-below = {{transfer.SupersedeBelow.ToString(System.Globalization.CultureInfo.InvariantCulture)}}
            }
            """).WithFallback(GipoSerializer.Config).WithFallback(WeightTransferSettings.Config);
    }

    /// <summary>Runs every node count against every blob; <paramref name="log"/> gets one line per repetition.</summary>
    public static async Task<IReadOnlyList<WeightPublishRow>> RunAsync(WeightBenchmarkOptions options, Action<string> log,
                                                                       CancellationToken cancel = default)
    {
        var rows = new List<WeightPublishRow>();
        foreach (var n in options.SamplerNodes)
        {
            await using var cluster = await LoopbackCluster.StartAsync(n, NodeConfig(options.Transfer), cancel);
            log($"{n} sampler node(s): cluster of {n + 1} up");
            long version = 0;
            foreach (var blob in options.Blobs)
            {
                var sha = PolicyWeights.HashOf(blob.Data);
                var unreachableBefore = cluster.Unreachable;
                var seconds = new List<double>();
                for (var rep = 0; rep < options.Warmup + options.Repetitions; rep++)
                {
                    cancel.ThrowIfCancellationRequested();
                    version++;
                    // Collect the previous repetition's buffers outside the timed window.
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    var elapsed = await cluster.PublishAsync(new PolicyWeights(version, blob.Data, sha), cancel);
                    var timed = rep >= options.Warmup;
                    if (timed) seconds.Add(elapsed);
                    log($"  {blob.Name} ({blob.Data.Length:N0} B) v{version}: {elapsed * 1e3:F1} ms{(timed ? "" : " (warm-up)")}");
                }
                rows.Add(new WeightPublishRow(n, blob.Name, blob.Data.LongLength, seconds, cluster.Unreachable - unreachableBefore));
            }
        }
        return rows;
    }

    /// <summary>A learner node with the store and <c>n</c> sampler nodes with a fetcher each, joined into one cluster.</summary>
    private sealed class LoopbackCluster : IAsyncDisposable
    {
        private readonly ActorSystem learner;
        private readonly List<ActorSystem> samplers = [];
        private readonly Channel<(int Node, long At, PolicyWeights Weights)> fetched = Channel.CreateUnbounded<(int, long, PolicyWeights)>();
        private readonly ConcurrentQueue<UniqueAddress> unreachable = new();
        private IActorRef store = ActorRefs.Nobody;

        private LoopbackCluster(ActorSystem learner) => this.learner = learner;

        public int Unreachable => unreachable.Count;

        public static async Task<LoopbackCluster> StartAsync(int samplerNodes, Config config, CancellationToken cancel)
        {
            var c = new LoopbackCluster(ActorSystem.Create("gipo", config));
            try
            {
                var seed = Akka.Cluster.Cluster.Get(c.learner);
                await seed.JoinAsync(seed.SelfAddress, cancel);
                c.store = c.learner.ActorOf(WeightStore.Props(), "weight-store");
                c.Watch(c.learner);
                for (var i = 0; i < samplerNodes; i++)
                {
                    var system = ActorSystem.Create("gipo", config);
                    c.samplers.Add(system);
                    await Akka.Cluster.Cluster.Get(system).JoinAsync(seed.SelfAddress, cancel);
                    c.Watch(system);
                }
                var deadline = Stopwatch.StartNew();
                while (seed.State.Members.Count(m => m.Status == MemberStatus.Up) < samplerNodes + 1)
                {
                    if (deadline.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"the cluster of {samplerNodes + 1} nodes did " +
                                                                                                $"not come up in 60 s");
                    await Task.Delay(50, cancel);
                }
                var storePath = new RootActorPath(seed.SelfAddress) / "user" / "weight-store";
                for (var i = 0; i < c.samplers.Count; i++)
                {
                    var remoteStore = await c.samplers[i].ActorSelection(storePath).ResolveOne(TimeSpan.FromSeconds(10), cancel);
                    var node = i;
                    var writer = c.fetched.Writer;
                    c.samplers[i].ActorOf(Props.Create(() => new FetchRecorder(remoteStore, node, writer)), "sampler");
                }
                return c;
            }
            catch
            {
                await c.DisposeAsync();
                throw;
            }
        }

        /// <summary>Publishes <paramref name="weights"/> and waits until every sampler node verified them; seconds.</summary>
        public async Task<double> PublishAsync(PolicyWeights weights, CancellationToken cancel)
        {
            var start = Stopwatch.GetTimestamp();
            store.Tell(new PublishWeights(weights));
            var received = new Dictionary<int, PolicyWeights>();
            long last = start;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromMinutes(5));
            while (received.Count < samplers.Count)
            {
                var (node, at, w) = await fetched.Reader.ReadAsync(timeout.Token);
                if (w.Version != weights.Version) continue;
                received[node] = w;
                last = Math.Max(last, at);
            }
            var seconds = (last - start) / (double)Stopwatch.Frequency;
            // The fetchers verified the hash; checked again, after the clock stopped, so the benchmark cannot report a corrupt transfer.
            foreach (var (node, w) in received)
                if (PolicyWeights.HashOf(w.Data) != weights.Sha256)
                    throw new InvalidDataException($"sampler node {node} delivered v{w.Version} whose bytes do not hash to {weights.Sha256}");
            return seconds;
        }

        private void Watch(ActorSystem system) =>
            system.ActorOf(Props.Create(() => new UnreachableRecorder(unreachable)), "unreachable-recorder");

        public async ValueTask DisposeAsync()
        {
            // Samplers leave first and are removed before anything stops, so no node sees another fail.
            try
            {
                await Task.WhenAll(samplers.Select(s => Akka.Cluster.Cluster.Get(s).LeaveAsync())).WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
                // best effort: terminate anyway
            }
            await Task.WhenAll(samplers.Select(s => s.Terminate()));
            await learner.Terminate();
        }
    }

    /// <summary>A sampler node's stand-in: owns a fetcher and records when each version arrived verified.</summary>
    private sealed class FetchRecorder : ReceiveActor
    {
        public FetchRecorder(IActorRef store, int node, ChannelWriter<(int, long, PolicyWeights)> fetched)
        {
            Context.ActorOf(WeightFetcher.Props(store), "weights");
            Receive<WeightsFetched>(m => fetched.TryWrite((node, Stopwatch.GetTimestamp(), m.Weights)));
        }
    }

    /// <summary>Counts UnreachableMember events seen by one node.</summary>
    private sealed class UnreachableRecorder : ReceiveActor
    {
        public UnreachableRecorder(ConcurrentQueue<UniqueAddress> unreachable)
        {
            Receive<ClusterEvent.UnreachableMember>(m => unreachable.Enqueue(m.Member.UniqueAddress));
            Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        }

        protected override void PreStart() =>
            Akka.Cluster.Cluster.Get(Context.System)
                .Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.UnreachableMember));

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
