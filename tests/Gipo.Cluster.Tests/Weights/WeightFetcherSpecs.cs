using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Gipo.Cluster.Serialization;
using Gipo.Cluster.Weights;
using Gipo.Model.Checkpoints;
using Xunit.Abstractions;

namespace Gipo.Cluster.Tests.Weights;

/// <summary>
/// WeightFetcher against scripted stores (probes answering pulls by hand) and real ones, every message serialized:
/// exact reassembly with a window, hash mismatch, a newer version superseding a transfer, and a store that dies
/// mid-transfer. Chunks are 1 KiB so a few KB make many chunks.
/// </summary>
public sealed class WeightFetcherSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(SpecConfig, "weights", output)
{
    private static readonly Config SpecConfig = ConfigurationFactory.ParseString("""
        akka.loglevel = INFO
        akka.actor.serialize-messages = on
        akka.actor.serialize-creators = off
        akka.test.timefactor = 3
        """).WithFallback(GipoSerializer.Config);

    private static readonly WeightTransferSettings Fast = WeightTransferSettings.Default with
    {
        ChunkBytes = 1024, Window = 2, ChunkTimeout = TimeSpan.FromMilliseconds(300), MaxRetries = 20, HashAttempts = 3,
        ResubscribeInterval = TimeSpan.FromMilliseconds(200),
    };

    [Fact(DisplayName = "WeightFetcher: keeps the window of pulls in flight and reassembles chunks answered out of order exactly")]
    public async Task Chunked_pull_reassembles_exactly()
    {
        var w = Blob(1, 10_500, seed: 1); // 11 chunks, the last one 260 bytes
        var store = CreateTestProbe("store");
        var parent = CreateTestProbe("sampler");
        // A long chunk timeout: nothing may be asked again while the test checks the window.
        var fetcher = parent.ChildActorOf(WeightFetcher.Props(store.Ref, Fast with { ChunkTimeout = TimeSpan.FromSeconds(10) }));
        await store.ExpectMsgAsync<SubscribePolicy>();
        store.IgnoreMessages<SubscribePolicy>(); // sent again until the announcement below arrives
        fetcher.Tell(Notice(w, store), store.Ref);

        // Exactly the window (2) is asked for; the second is answered first.
        var a = await store.ExpectMsgAsync<PullWeightChunk>();
        var b = await store.ExpectMsgAsync<PullWeightChunk>();
        await store.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(150));
        Assert.Equal((0L, 1024L), (a.Offset, b.Offset));
        Assert.Equal(w.Sha256, a.Sha256);
        fetcher.Tell(Chunk(w, b), store.Ref);
        fetcher.Tell(Chunk(w, a), store.Ref);
        var served = 2;
        while (served < 11)
        {
            var pull = await store.ExpectMsgAsync<PullWeightChunk>();
            fetcher.Tell(Chunk(w, pull), store.Ref);
            served++;
        }
        var got = await parent.ExpectMsgAsync<WeightsFetched>();
        Assert.Equal(w.Data, got.Weights.Data);
        Assert.Equal((1L, w.Sha256), (got.Weights.Version, got.Weights.Sha256));
        Assert.Equal(11, got.Chunks);
        await store.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        // The same from a real store, through its subscription, with a blob that fills its last chunk.
        var real = Sys.ActorOf(WeightStore.Props(Fast), "store");
        var parent2 = CreateTestProbe("sampler2");
        parent2.ChildActorOf(WeightFetcher.Props(real, Fast));
        var w2 = Blob(5, 8 * 1024, seed: 2);
        real.Tell(new PublishWeights(w2));
        Assert.Equal(w2.Data, (await parent2.ExpectMsgAsync<WeightsFetched>()).Weights.Data);
    }

    [Fact(DisplayName = "WeightFetcher: a store that corrupts one byte is caught by the hash, logged, and the transfer is fetched again")]
    public async Task Hash_mismatch_is_detected_and_retried()
    {
        var w = Blob(3, 5000, seed: 3);
        var corrupting = Sys.ActorOf(Props.Create(() => new CorruptingStore(w, 1)), "corrupting-once");
        var parent = CreateTestProbe("sampler");
        var fetcher = parent.ChildActorOf(WeightFetcher.Props(corrupting, Fast));
        await EventFilter.Warning(contains: "sha256 mismatch").ExpectOneAsync(async () =>
        {
            fetcher.Tell(Notice(w, corrupting), corrupting);
            var got = await parent.ExpectMsgAsync<WeightsFetched>(); // the second attempt is clean
            Assert.Equal(w.Data, got.Weights.Data);
        });

        // A store that always corrupts: nothing is ever delivered, and the fetcher says it gave up.
        var always = Sys.ActorOf(Props.Create(() => new CorruptingStore(w, int.MaxValue)), "corrupting-always");
        var parent2 = CreateTestProbe("sampler2");
        var fetcher2 = parent2.ChildActorOf(WeightFetcher.Props(always, Fast));
        await EventFilter.Error(contains: "given up after 3 attempts").ExpectOneAsync(TimeSpan.FromSeconds(20), () =>
        {
            fetcher2.Tell(Notice(w, always), always);
            return Task.CompletedTask;
        });
        await parent2.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact(DisplayName = "WeightFetcher: a newer version supersedes a transfer that has barely started; one past half-way finishes first")]
    public async Task Newer_version_supersedes()
    {
        var v1 = Blob(1, 20 * 1024, seed: 4);
        var v2 = Blob(2, 20 * 1024, seed: 5);
        var store = CreateTestProbe("store");
        var parent = CreateTestProbe("sampler");
        var fetcher = parent.ChildActorOf(WeightFetcher.Props(store.Ref, Fast));
        await store.ExpectMsgAsync<SubscribePolicy>();
        store.IgnoreMessages<SubscribePolicy>(); // sent again until the announcement below arrives

        fetcher.Tell(Notice(v1, store), store.Ref);
        var p0 = await store.ExpectMsgAsync<PullWeightChunk>();
        var p1 = await store.ExpectMsgAsync<PullWeightChunk>();
        fetcher.Tell(Chunk(v1, p0), store.Ref); // 1 of 20 chunks: 5 %
        Assert.Equal(1, (await store.ExpectMsgAsync<PullWeightChunk>()).Version);
        fetcher.Tell(Notice(v2, store), store.Ref);
        fetcher.Tell(Chunk(v1, p1), store.Ref); // a late chunk of v1: ignored
        await ServeUntilFetched(store, parent, v2);
        await parent.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300)); // v1 never arrives

        // Past half-way, a newer version waits: v3 is finished, then v4 fetched.
        var v3 = Blob(3, 20 * 1024, seed: 6);
        var v4 = Blob(4, 20 * 1024, seed: 7);
        fetcher.Tell(Notice(v3, store), store.Ref);
        for (var served = 0; served < 15; served++)
        {
            var pull = await store.ExpectMsgAsync<PullWeightChunk>();
            Assert.Equal(3, pull.Version);
            fetcher.Tell(Chunk(v3, pull), store.Ref);
        }
        fetcher.Tell(Notice(v4, store), store.Ref);
        await ServeUntilFetched(store, parent, v3, v4);
    }

    [Fact(DisplayName = "WeightFetcher: the first subscription is sent again until a store announces (one that was lost, to a store " +
                        "on a node that died before answering, would leave the sampler without weights for ever), and not after")]
    public async Task First_subscription_is_repeated_until_a_store_announces()
    {
        var w = Blob(1, 2 * 1024, seed: 12);
        var proxy = CreateTestProbe("proxy");
        var parent = CreateTestProbe("sampler");
        var fetcher = parent.ChildActorOf(WeightFetcher.Props(proxy.Ref, Fast));
        // Nobody answers: the subscription comes again every resubscribe-interval (200 ms here), with no warning yet.
        await EventFilter.Warning().ExpectAsync(0, async () =>
        {
            for (var i = 0; i < 3; i++) await proxy.ExpectMsgAsync<SubscribePolicy>(TimeSpan.FromSeconds(5));
        });
        var store = CreateTestProbe("store");
        fetcher.Tell(Notice(w, store), store.Ref);
        await ServeUntilFetched(store, parent, w);
        // A store announced: no more subscriptions after the ones already sent before the announcement.
        while (await proxy.ReceiveOneAsync(TimeSpan.FromMilliseconds(50)) is not null)
        {
        }
        await proxy.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(800));
    }

    [Fact(DisplayName = "WeightFetcher: the store dies mid-transfer and is re-created at its location: the fetcher re-subscribes and resumes there")]
    public async Task Store_dies_and_comes_back_at_its_location()
    {
        var w = Blob(1, 12 * 1024, seed: 8);
        var proxy = CreateTestProbe("proxy"); // stands for the singleton proxy the fetcher subscribes through
        var dying = CreateTestProbe("dying-store");
        var parent = CreateTestProbe("sampler");
        var fetcher = parent.ChildActorOf(WeightFetcher.Props(proxy.Ref, Fast));
        await proxy.ExpectMsgAsync<SubscribePolicy>();

        // The announcement names the location a restarted store will have; the first incarnation serves 3 chunks and dies.
        var location = $"{((ExtendedActorSystem)Sys).Provider.DefaultAddress}/user/weights";
        fetcher.Tell(new PolicyPublished(w.Version, location, w.Sha256, w.Data.Length), dying.Ref);
        for (var i = 0; i < 3; i++) fetcher.Tell(Chunk(w, await dying.ExpectMsgAsync<PullWeightChunk>()), dying.Ref);
        // The store stops at every normal end of a run and moves in a fail-over: no warning for that (only after
        // WeightFetcher.StoreGoneWarning without one).
        // (A short wait: longer, and the transfer's retries at the dead store run out before the new one exists.)
        await EventFilter.Warning(contains: "weight store").ExpectAsync(0, TimeSpan.FromMilliseconds(300), async () =>
        {
            Sys.Stop(dying.Ref);
            await proxy.ExpectMsgAsync<SubscribePolicy>(); // re-subscribes through the proxy
        });
        await proxy.ExpectMsgAsync<SubscribePolicy>(); // and keeps trying while nothing answers

        // A new incarnation at the location holds the same version: the pulls that timed out reach it and the transfer completes.
        var store = Sys.ActorOf(WeightStore.Props(Fast), "weights");
        store.Tell(new PublishWeights(w));
        var got = await parent.ExpectMsgAsync<WeightsFetched>(TimeSpan.FromSeconds(15));
        Assert.Equal(w.Data, got.Weights.Data);
        Assert.True(got.Chunks >= 12, $"{got.Chunks} chunks");
    }

    [Fact(DisplayName = "WeightFetcher: a store that stopped is no warning; one that stays gone past the threshold is one warning, " +
                        "however long it stays gone")]
    public async Task Store_gone_for_long_is_one_warning()
    {
        var w = Blob(1, 2 * 1024, seed: 11);
        var proxy = CreateTestProbe("proxy");
        var dying = CreateTestProbe("dying-store");
        var parent = CreateTestProbe("sampler");
        var fetcher = parent.ChildActorOf(WeightFetcher.Props(proxy.Ref, Fast, TimeSpan.FromSeconds(1)));
        await proxy.ExpectMsgAsync<SubscribePolicy>();
        fetcher.Tell(Notice(w, dying), dying.Ref);
        await ServeUntilFetched(dying, parent, w);
        await EventFilter.Warning(contains: "no weight store for").ExpectOneAsync(TimeSpan.FromSeconds(6), async () =>
        {
            Sys.Stop(dying.Ref);
            await Task.Delay(TimeSpan.FromSeconds(3)); // many re-subscriptions, past the threshold: one warning
        });
    }

    [Fact(DisplayName = "WeightFetcher: the store dies mid-transfer and a new one announces a newer version: the stalled transfer is replaced")]
    public async Task Store_dies_and_a_newer_version_is_announced()
    {
        var v1 = Blob(1, 12 * 1024, seed: 9);
        var v2 = Blob(2, 9 * 1024, seed: 10);
        var proxy = CreateTestProbe("proxy");
        var dying = CreateTestProbe("dying-store");
        var parent = CreateTestProbe("sampler");
        var fetcher = parent.ChildActorOf(WeightFetcher.Props(proxy.Ref, Fast));
        await proxy.ExpectMsgAsync<SubscribePolicy>();
        fetcher.Tell(Notice(v1, dying), dying.Ref);
        for (var i = 0; i < 8; i++) fetcher.Tell(Chunk(v1, await dying.ExpectMsgAsync<PullWeightChunk>()), dying.Ref); // 8 of 12: past half-way
        Sys.Stop(dying.Ref);
        await proxy.ExpectMsgAsync<SubscribePolicy>();

        // The proxy now reaches a new store (elsewhere, without v1); it answers the subscription with its latest.
        var store = Sys.ActorOf(WeightStore.Props(Fast), "new-store");
        store.Tell(new PublishWeights(v2));
        store.Tell(SubscribePolicy.Instance, fetcher);
        var got = await parent.ExpectMsgAsync<WeightsFetched>(TimeSpan.FromSeconds(15));
        Assert.Equal(2, got.Weights.Version);
        Assert.Equal(v2.Data, got.Weights.Data);
        await parent.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact(DisplayName = "WeightTransferSettings: a chunk that does not fit the remote frame is refused at start-up, naming both keys")]
    public void Chunk_must_fit_the_frame()
    {
        var e = Assert.Throws<ConfigurationException>(() => WeightTransferSettings.Default.CheckFits(128000));
        Assert.Contains("gipo.weights.chunk-size", e.Message);
        Assert.Contains(WeightTransferSettings.FrameSizeKey, e.Message);
        WeightTransferSettings.Default.CheckFits(1 << 20); // 256 KiB in 1 MiB
        Assert.Throws<ConfigurationException>(() => WeightTransferSettings.FromConfig(
            ConfigurationFactory.ParseString("gipo.weights.window = 0").WithFallback(WeightTransferSettings.Config)));

        // A remoting node with Akka's default 128000-byte frames cannot start a store or a fetcher.
        var remote = ConfigurationFactory.ParseString("akka.actor.provider = remote\nakka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }");
        using (var system = ActorSystem.Create("frames", remote))
            Assert.Contains("does not fit", Assert.Throws<ConfigurationException>(() => WeightTransferSettings.Create(system)).Message);
        using (var system = ActorSystem.Create("frames", remote.WithFallback(WeightTransferSettings.Config)))
            Assert.Equal(256 * 1024, WeightTransferSettings.Create(system).ChunkBytes);
    }

    /// <summary>Answers every pull like a store holding <paramref name="versions"/> until the parent got them all, in order.</summary>
    private static async Task ServeUntilFetched(TestProbe store, TestProbe parent, params PolicyWeights[] versions)
    {
        var byVersion = versions.ToDictionary(v => v.Version);
        var delivered = new List<WeightsFetched>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (delivered.Count < versions.Length)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{delivered.Count} of {versions.Length} versions delivered");
            if (await store.ReceiveOneAsync(TimeSpan.FromMilliseconds(50)) is PullWeightChunk pull)
            {
                Assert.True(byVersion.ContainsKey(pull.Version), $"pulled v{pull.Version}");
                store.LastSender.Tell(Chunk(byVersion[pull.Version], pull), store.Ref);
            }
            while (parent.HasMessages) delivered.Add(await parent.ExpectMsgAsync<WeightsFetched>());
        }
        Assert.Equal(versions.Select(v => v.Version), delivered.Select(d => d.Weights.Version));
        for (var i = 0; i < versions.Length; i++) Assert.Equal(versions[i].Data, delivered[i].Weights.Data);
    }

    private static PolicyWeights Blob(long version, int bytes, int seed)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        return new PolicyWeights(version, data, PolicyWeights.HashOf(data));
    }

    private static PolicyPublished Notice(PolicyWeights w, TestProbe store) => Notice(w, store.Ref);

    private static PolicyPublished Notice(PolicyWeights w, IActorRef store) => new(w.Version, store.Path.ToString(), w.Sha256, w.Data.Length);

    private static WeightChunk Chunk(PolicyWeights w, PullWeightChunk pull) =>
        new(w.Version, pull.Offset, w.Data.Length, w.Data.AsMemory((int)pull.Offset, (int)Math.Min(pull.Length, w.Data.Length - pull.Offset)));

    /// <summary>Serves chunks like a store, flipping a byte in the third chunk during its first <c>corruptPasses</c> passes over the blob.</summary>
    private sealed class CorruptingStore : ReceiveActor
    {
        public CorruptingStore(PolicyWeights w, int corruptPasses)
        {
            var passes = 0;
            Receive<PullWeightChunk>(pull =>
            {
                if (pull.Offset == 0) passes++;
                var chunk = Chunk(w, pull);
                if (pull.Offset == 2048 && passes <= corruptPasses)
                {
                    var copy = chunk.Data.ToArray();
                    copy[17] ^= 0x40;
                    chunk = chunk with { Data = copy };
                }
                Sender.Tell(chunk);
            });
            Receive<SubscribePolicy>(_ => { });
        }
    }
}
