using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Gipo.Cluster.Serialization;
using Gipo.Cluster.Weights;
using Gipo.Model.Checkpoints;
using Xunit.Abstractions;

namespace Gipo.Cluster.Tests.Weights;

/// <summary>
/// A 100 MiB blob across real remoting: two actor systems in this process form a cluster on 127.0.0.1 (node B joins
/// node A), the store on A holds the blob, a fetcher on B pulls it in 256 KiB chunks. The hash must verify, and
/// neither node may see a member become unreachable during the transfer under the default failure detector
/// (1 s heartbeats, 3 s acceptable pause): a transfer that held up heartbeats would show here. A ping between the
/// nodes every 100 ms measures how long ordinary messages waited behind the chunks.
/// </summary>
public sealed class WeightTransferAcrossNodesTests(ITestOutputHelper output)
{
    private const int BlobBytes = 100 * 1024 * 1024;

    private static readonly Config NodeConfig = ConfigurationFactory.ParseString("""
        akka {
          loglevel = WARNING
          stdout-loglevel = WARNING
          log-dead-letters-during-shutdown = off
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, maximum-frame-size = 1MiB }
          cluster {
            log-info = off
            failure-detector { heartbeat-interval = 1s, acceptable-heartbeat-pause = 3s }
          }
          coordinated-shutdown.exit-clr = off
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        """).WithFallback(GipoSerializer.Config).WithFallback(WeightTransferSettings.Config);

    [Fact(DisplayName = "100 MiB of weights cross nodes in 256 KiB chunks: the hash verifies and no member becomes unreachable")]
    public async Task Hundred_megabytes_across_remoting_without_unreachable_members()
    {
        var a = ActorSystem.Create("gipo", NodeConfig);
        var b = ActorSystem.Create("gipo", NodeConfig);
        try
        {
            var clusterA = Akka.Cluster.Cluster.Get(a);
            await clusterA.JoinAsync(clusterA.SelfAddress);
            await Akka.Cluster.Cluster.Get(b).JoinAsync(clusterA.SelfAddress);
            var up = Stopwatch.StartNew();
            while (clusterA.State.Members.Count(m => m.Status == MemberStatus.Up) < 2
                || Akka.Cluster.Cluster.Get(b).State.Members.Count(m => m.Status == MemberStatus.Up) < 2)
            {
                Assert.True(up.Elapsed < TimeSpan.FromSeconds(30), "the two nodes did not form a cluster in 30 s");
                await Task.Delay(50);
            }
            output.WriteLine($"cluster of 2 up in {up.Elapsed.TotalSeconds:F1} s");

            var unreachable = new ConcurrentQueue<string>();
            a.ActorOf(Props.Create(() => new UnreachableWatch(unreachable, "A")), "unreachable-watch");
            b.ActorOf(Props.Create(() => new UnreachableWatch(unreachable, "B")), "unreachable-watch");

            var store = a.ActorOf(WeightStore.Props(), "weight-store");
            a.ActorOf(Props.Create(() => new Pong()), "pong");
            var remoteStore = await b.ActorSelection(new RootActorPath(clusterA.SelfAddress) / "user" / "weight-store")
                .ResolveOne(TimeSpan.FromSeconds(10));
            var remotePong = await b.ActorSelection(new RootActorPath(clusterA.SelfAddress) / "user" / "pong").ResolveOne(TimeSpan.FromSeconds(10));
            var fetched = new TaskCompletionSource<WeightsFetched>(TaskCreationOptions.RunContinuationsAsynchronously);
            b.ActorOf(Props.Create(() => new Sampler(remoteStore, fetched)), "sampler");

            var data = new byte[BlobBytes];
            new Random(100).NextBytes(data);
            var weights = new PolicyWeights(1, data, PolicyWeights.HashOf(data));

            // Ping A from B every 100 ms during the transfer; the longest round trip is how long a message waited.
            using var stopPings = new CancellationTokenSource();
            var pings = Ping(b, remotePong, stopPings.Token);
            await Task.Delay(300);
            var clock = Stopwatch.StartNew();
            store.Tell(new PublishWeights(weights));
            var got = await fetched.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var seconds = clock.Elapsed.TotalSeconds;
            // Give the failure detector time to report a stall that happened at the very end.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await stopPings.CancelAsync();
            var (count, maxRtt) = await pings;

            output.WriteLine($"{BlobBytes:N0} bytes in {got.Chunks} chunks: {seconds:F2} s ({BlobBytes / seconds / 1e6:F0} MB/s); " +
                             $"{count} pings, longest round trip {maxRtt * 1e3:F0} ms");
            Assert.Equal(weights.Sha256, got.Weights.Sha256);
            Assert.Equal(weights.Sha256, PolicyWeights.HashOf(got.Weights.Data));
            Assert.True(got.Weights.Data.AsSpan().SequenceEqual(data));
            Assert.True(got.Chunks >= BlobBytes / (256 * 1024), $"{got.Chunks} chunks");
            Assert.True(unreachable.IsEmpty, $"unreachable during the transfer: {string.Join(", ", unreachable)}");
            Assert.True(count > 0, "no ping came back");
            Assert.True(maxRtt < 3.0, $"a ping waited {maxRtt:F2} s: longer than the failure detector's acceptable pause");
        }
        finally
        {
            await Task.WhenAll(b.Terminate(), a.Terminate());
        }
    }

    private static async Task<(int Count, double MaxSeconds)> Ping(ActorSystem from, IActorRef pong, CancellationToken stop)
    {
        var count = 0;
        var max = 0.0;
        while (!stop.IsCancellationRequested)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await pong.Ask<string>("ping", TimeSpan.FromSeconds(10));
            }
            catch (AskTimeoutException)
            {
                max = Math.Max(max, 10);
                continue;
            }
            max = Math.Max(max, Stopwatch.GetElapsedTime(start).TotalSeconds);
            count++;
            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return (count, max);
    }

    /// <summary>Owns the fetcher, as a sampler does, and completes with the first verified blob.</summary>
    private sealed class Sampler : ReceiveActor
    {
        public Sampler(IActorRef store, TaskCompletionSource<WeightsFetched> fetched)
        {
            Context.ActorOf(WeightFetcher.Props(store), "weights");
            Receive<WeightsFetched>(m => fetched.TrySetResult(m));
        }
    }

    private sealed class Pong : ReceiveActor
    {
        public Pong() => Receive<string>(_ => Sender.Tell("pong"));
    }

    private sealed class UnreachableWatch : ReceiveActor
    {
        public UnreachableWatch(ConcurrentQueue<string> unreachable, string node)
        {
            Receive<ClusterEvent.UnreachableMember>(m => unreachable.Enqueue($"{node} saw {m.Member.Address}"));
            Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        }

        protected override void PreStart() =>
            Akka.Cluster.Cluster.Get(Context.System)
                .Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.UnreachableMember));

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
