using System.Diagnostics;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Weights;

/// <summary>
/// Pulls announced weights from a <see cref="WeightStore"/> in chunks and hands the verified blob to its parent
/// (<see cref="WeightsFetched"/>). A sampler creates it as a child: it runs on the default dispatcher, so a
/// transfer goes on while the sampler's pinned thread is busy generating.
/// <list type="bullet">
/// <item>Subscribes to the store on start, again every <see cref="WeightTransferSettings.ResubscribeInterval"/> until one
/// announces; the sender of each <see cref="PolicyPublished"/> becomes the store it pulls from.</item>
/// <item>Keeps <see cref="WeightTransferSettings.Window"/> chunk requests in flight, writes each chunk into one
/// buffer of the announced size and hashes the contiguous prefix as it grows; the blob is delivered only when its
/// size and SHA-256 match the announcement. A mismatch is logged and the transfer starts over, at most
/// <see cref="WeightTransferSettings.HashAttempts"/> times per version.</item>
/// <item>No chunk for <see cref="WeightTransferSettings.ChunkTimeout"/>: the requests in flight are sent again (to the
/// announced location when the store died, so a store re-created there resumes the transfer where it stopped);
/// after <see cref="WeightTransferSettings.MaxRetries"/> such timeouts the transfer waits for the next announcement.
/// A store that dies is re-subscribed to every <see cref="WeightTransferSettings.ResubscribeInterval"/> until it
/// announces again. Its stop alone is no warning (it stops at every normal end of a run, and moves with the learner
/// in a fail-over); a warning comes only once it has been gone for <see cref="StoreGoneWarning"/>.</item>
/// <item>A different version announced mid-transfer replaces the transfer while it is less than
/// <see cref="WeightTransferSettings.SupersedeBelow"/> done or stalled; otherwise it is fetched right after.</item>
/// </list>
/// Messages: <c>WeightFetcherProtocol.cs</c> and the store's.
/// </summary>
public sealed class WeightFetcher : ReceiveActor, IWithTimers
{
    private const string ChunkTimer = "chunk-timeout";
    private const string ResubscribeTimer = "resubscribe";

    /// <summary>
    /// How long the weight store may be gone before the fetcher warns: longer than a fail-over takes (the split-brain
    /// resolver's stable-after, 10 s in hocon/cluster.conf, plus the singleton hand-over) and than a node needs to
    /// exit at the end of a run.
    /// </summary>
    public static readonly TimeSpan StoreGoneWarning = TimeSpan.FromSeconds(60);

    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly IActorRef store;
    private readonly WeightTransferSettings settings;

    // The store that announced the version being fetched (watched); null once it died.
    private IActorRef? source;
    private Transfer? current;

    // A version announced while the current transfer was too far along to drop: fetched next.
    private PolicyPublished? next;
    private (long Version, string Sha256)? delivered;

    // Since when the store has been gone (null while one is subscribed to), and whether that was warned about.
    private System.Diagnostics.Stopwatch? storeGone;
    private bool storeGoneWarned;

    // A store has announced to this fetcher at least once.
    private bool announced;

    private readonly TimeSpan storeGoneWarning;

    /// <summary>Use <see cref="Props(IActorRef, WeightTransferSettings?)"/>.</summary>
    public WeightFetcher(IActorRef store, WeightTransferSettings? settings) : this(store, settings, StoreGoneWarning)
    {
    }

    /// <summary>Use <see cref="Props(IActorRef, WeightTransferSettings?)"/>; <paramref name="storeGoneWarning"/> replaces
    /// <see cref="StoreGoneWarning"/>.</summary>
    public WeightFetcher(IActorRef store, WeightTransferSettings? settings, TimeSpan storeGoneWarning)
    {
        this.store = store;
        this.storeGoneWarning = storeGoneWarning;
        this.settings = settings ?? WeightTransferSettings.Create(Context.System);
        Receive<PolicyPublished>(OnAnnounced);
        Receive<WeightChunk>(OnChunk);
        Receive<WeightsUnavailable>(OnUnavailable);
        Receive<ChunkTimeout>(_ => OnTimeout());
        Receive<ResubscribeTick>(_ => OnResubscribeTick());
        Receive<Terminated>(OnTerminated);
    }

    /// <summary>
    /// Props on the default dispatcher. <paramref name="store"/> is where to subscribe: the store itself or a proxy
    /// of it (a cluster singleton's); chunks are pulled from whoever announces. Without <paramref name="settings"/>
    /// it reads (and checks) its actor system's.
    /// </summary>
    public static Props Props(IActorRef store, WeightTransferSettings? settings = null) =>
        Akka.Actor.Props.Create(() => new WeightFetcher(store, settings)).WithDispatcher(Akka.Dispatch.Dispatchers.DefaultDispatcherId);

    /// <summary>Props with another <see cref="StoreGoneWarning"/> (tests).</summary>
    internal static Props Props(IActorRef store, WeightTransferSettings? settings, TimeSpan storeGoneWarning) =>
        Akka.Actor.Props.Create(() => new WeightFetcher(store, settings, storeGoneWarning))
            .WithDispatcher(Akka.Dispatch.Dispatchers.DefaultDispatcherId);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart()
    {
        if (settings.LargeObjectHeapWarning() is { } slow) log.Warning(slow);
        // Until a store announces, the subscription is sent again every resubscribe-interval: the first one can be lost
        // (the proxy hands it to a store on a node that dies before it answers: a sampler joining just as the learner
        // node fails), and without a store to watch nothing else would ever send it again.
        storeGone = System.Diagnostics.Stopwatch.StartNew();
        Resubscribe();
    }

    /// <inheritdoc />
    protected override void PostStop() => current?.Dispose();

    private void OnAnnounced(PolicyPublished m)
    {
        // Judged before the sender becomes the source: a transfer whose store died is stalled even if a new store announces.
        var stalled = current?.Stalled(source) ?? false;
        var moved = Track(Sender);
        Timers.Cancel(ResubscribeTimer);
        if (storeGone is { } gone)
        {
            // The wait for the first store is only worth a line when it was long enough to be warned about.
            if (announced || storeGoneWarned)
                log.Info("weight store {0} announced after {1:F0} s without one", Sender.Path, gone.Elapsed.TotalSeconds);
            storeGone = null;
            storeGoneWarned = false;
        }
        announced = true;
        if (current is { } t && Same(t.Notice, m))
        {
            // The same version again: a store that came back announces its latest on re-subscription. Resume there.
            t.Notice = m;
            if (moved) Resend(t);
            return;
        }
        if (next is { } queued && Same(queued, m)) return;
        if (m.Bytes < 0 || m.Bytes > Array.MaxLength)
        {
            log.Error("weights v{0} announced with {1} bytes: more than one array can hold; ignored", m.Version, m.Bytes);
            return;
        }
        if (delivered is { } d && d.Version == m.Version && string.Equals(d.Sha256, m.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            // The store's latest is what the parent holds: anything in progress is older news.
            if (current is not null) Abandon();
            next = null;
            return;
        }
        if (current is { } running)
        {
            if (running.Progress < settings.SupersedeBelow || stalled)
            {
                log.Info("weights v{0} announced: replaces the transfer of v{1} ({2:P0} done)", m.Version, running.Notice.Version, running.Progress);
                Abandon();
                Start(m);
            }
            else
            {
                if (log.IsDebugEnabled) log.Debug("weights v{0} announced: fetched after v{1} ({2:P0} done)", m.Version, running.Notice.Version,
                                                  running.Progress);
                next = m;
            }
            return;
        }
        Start(m);
    }

    private void OnChunk(WeightChunk c)
    {
        // A late chunk of a finished or replaced transfer.
        if (current is not { } t || c.Version != t.Notice.Version) return;
        Track(Sender);
        var index = c.Offset / settings.ChunkBytes;
        if (c.Total != t.Notice.Bytes || c.Offset < 0 || c.Offset % settings.ChunkBytes != 0 || index >= t.Chunks
            || c.Data.Length != t.LengthOf((int)index))
        {
            Reject(t, $"chunk of {c.Data.Length} bytes at {c.Offset} of {c.Total} does not fit the announced {t.Notice.Bytes} bytes in " +
                      $"{settings.ChunkBytes}-byte chunks");
            return;
        }
        var i = (int)index;
        t.ChunksSeen++;
        t.InFlight.Remove(i);
        if (!t.Received[i])
        {
            c.Data.Span.CopyTo(t.Buffer.AsSpan((int)c.Offset));
            t.Received[i] = true;
            t.ReceivedCount++;
            t.Timeouts = 0;
            t.AdvanceHash();
        }
        if (t.ReceivedCount == t.Chunks)
        {
            Finish(t);
            return;
        }
        Timers.StartSingleTimer(ChunkTimer, ChunkTimeout.Instance, settings.ChunkTimeout);
        RequestMore(t);
    }

    private void OnUnavailable(WeightsUnavailable m)
    {
        if (current is not { } t || m.Version != t.Notice.Version) return;
        log.Warning("weights v{0} are no longer at {1} ({2}); {3}", m.Version, t.Notice.Location, m.Reason,
            next is { } n ? $"fetching v{n.Version} instead" : "waiting for the next announcement");
        Abandon();
        StartNext();
    }

    private void OnTimeout()
    {
        if (current is not { } t || t.InFlight.Count == 0) return;
        t.Timeouts++;
        var where = source?.Path.ToString() ?? t.Notice.Location;
        if (t.Timeouts > settings.MaxRetries)
        {
            log.Warning("weights v{0}: no chunk from {1} in {2} tries of {3}; the transfer ({4:P0} done) waits for the next announcement",
                t.Notice.Version, where, t.Timeouts, settings.ChunkTimeout, t.Progress);
            Abandon();
            StartNext();
            Resubscribe();
            return;
        }
        log.Warning("weights v{0}: no chunk from {1} for {2}; asking again for {3} chunk(s) (retry {4} of {5})",
            t.Notice.Version, where, settings.ChunkTimeout, t.InFlight.Count, t.Timeouts, settings.MaxRetries);
        Resend(t);
    }

    private void OnTerminated(Terminated m)
    {
        if (!m.ActorRef.Equals(source)) return;
        source = null;
        storeGone ??= System.Diagnostics.Stopwatch.StartNew();
        log.Info("weight store {0} stopped{1}; re-subscribing every {2}", m.ActorRef.Path,
            current is { } t ? $" during the transfer of v{t.Notice.Version} ({t.Progress:P0} done): pulls go to {t.Notice.Location}"
                : "", settings.ResubscribeInterval);
        if (current is { } running) Resend(running);
        Resubscribe();
    }

    private void Start(PolicyPublished m)
    {
        var t = new Transfer(m, settings.ChunkBytes);
        current = t;
        if (log.IsDebugEnabled) log.Debug("fetching weights v{0}: {1} bytes in {2} chunks from {3}", m.Version, m.Bytes, t.Chunks,
                                          source?.Path.ToString() ?? m.Location);
        if (t.Chunks == 0)
        {
            Finish(t);
            return;
        }
        Timers.StartSingleTimer(ChunkTimer, ChunkTimeout.Instance, settings.ChunkTimeout);
        RequestMore(t);
    }

    private void StartNext()
    {
        if (next is not { } n) return;
        next = null;
        Start(n);
    }

    private void RequestMore(Transfer t)
    {
        while (t.InFlight.Count < settings.Window && t.NextIndex < t.Chunks)
        {
            var i = t.NextIndex++;
            if (t.Received[i]) continue;
            t.InFlight.Add(i);
            Pull(t, i);
        }
    }

    private void Resend(Transfer t)
    {
        foreach (var i in t.InFlight) Pull(t, i);
        RequestMore(t);
        Timers.StartSingleTimer(ChunkTimer, ChunkTimeout.Instance, settings.ChunkTimeout);
    }

    private void Pull(Transfer t, int index)
    {
        var pull = new PullWeightChunk(t.Notice.Version, t.Notice.Sha256, (long)index * settings.ChunkBytes, t.LengthOf(index));
        if (source is not null) source.Tell(pull);
        else Context.ActorSelection(t.Notice.Location).Tell(pull);
    }

    private void Finish(Transfer t)
    {
        var actual = Convert.ToHexStringLower(t.Hash.GetHashAndReset());
        if (!string.Equals(actual, t.Notice.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            Reject(t, $"sha256 mismatch over {t.Notice.Bytes} bytes in {t.Chunks} chunks (announced {t.Notice.Sha256}, received {actual})");
            return;
        }
        Timers.Cancel(ChunkTimer);
        var elapsed = Stopwatch.GetElapsedTime(t.Started);
        Context.Parent.Tell(new WeightsFetched(new PolicyWeights(t.Notice.Version, t.Buffer, t.Notice.Sha256), elapsed, t.ChunksSeen));
        if (log.IsDebugEnabled) log.Debug("fetched weights v{0}: {1} bytes in {2} chunks, {3:F3} s", t.Notice.Version, t.Notice.Bytes, t.ChunksSeen,
                                          elapsed.TotalSeconds);
        delivered = (t.Notice.Version, t.Notice.Sha256);
        t.Dispose();
        current = null;
        if (next is { } n && n.Version == t.Notice.Version
            && string.Equals(n.Sha256, t.Notice.Sha256, StringComparison.OrdinalIgnoreCase)) next = null;
        StartNext();
    }

    /// <summary>The received bytes are not the announced ones: start over, or give the version up after too many tries.</summary>
    private void Reject(Transfer t, string why)
    {
        t.Attempts++;
        if (t.Attempts < settings.HashAttempts)
        {
            log.Warning("weights v{0} from {1} rejected: {2}; fetching again from the start (attempt {3} of {4})",
                t.Notice.Version, t.Notice.Location, why, t.Attempts + 1, settings.HashAttempts);
            t.Restart();
            Timers.StartSingleTimer(ChunkTimer, ChunkTimeout.Instance, settings.ChunkTimeout);
            RequestMore(t);
            return;
        }
        log.Error("weights v{0} from {1} rejected: {2}; given up after {3} attempts, waiting for the next announcement",
            t.Notice.Version, t.Notice.Location, why, t.Attempts);
        Abandon();
        StartNext();
    }

    private void Abandon()
    {
        Timers.Cancel(ChunkTimer);
        current?.Dispose();
        current = null;
    }

    private void OnResubscribeTick()
    {
        if (storeGone is { } gone && !storeGoneWarned && gone.Elapsed >= storeGoneWarning)
        {
            storeGoneWarned = true;
            log.Warning("no weight store for {0:F0} s: still re-subscribing every {1} (is a learner node up?)", gone.Elapsed.TotalSeconds,
                        settings.ResubscribeInterval);
        }
        store.Tell(SubscribePolicy.Instance);
    }

    private void Resubscribe()
    {
        store.Tell(SubscribePolicy.Instance);
        Timers.StartPeriodicTimer(ResubscribeTimer, ResubscribeTick.Instance, settings.ResubscribeInterval);
    }

    /// <summary>Makes <paramref name="sender"/> the store to pull from (and watch); true when it changed.</summary>
    private bool Track(IActorRef sender)
    {
        if (sender.IsNobody() || sender.Equals(Context.System.DeadLetters) || sender.Equals(source)) return false;
        if (source is not null) Context.Unwatch(source);
        source = sender;
        Context.Watch(sender);
        return true;
    }

    private static bool Same(PolicyPublished a, PolicyPublished b) =>
        a.Version == b.Version && a.Bytes == b.Bytes && string.Equals(a.Sha256, b.Sha256, StringComparison.OrdinalIgnoreCase);

    /// <summary>One version's transfer: the buffer, which chunks arrived, which are asked for, and the hash of the prefix.</summary>
    private sealed class Transfer : IDisposable
    {
        private readonly int chunkBytes;

        // Chunks [0, hashed) are in the hash.
        private int hashed;

        public Transfer(PolicyPublished notice, int chunkBytes)
        {
            this.chunkBytes = chunkBytes;
            Notice = notice;
            Buffer = new byte[notice.Bytes];
            Chunks = (int)((notice.Bytes + chunkBytes - 1) / chunkBytes);
            Received = new bool[Chunks];
        }

        public PolicyPublished Notice { get; set; }
        public long Started { get; } = Stopwatch.GetTimestamp();
        public byte[] Buffer { get; }
        public int Chunks { get; }
        public bool[] Received { get; }
        public HashSet<int> InFlight { get; } = [];
        public IncrementalHash Hash { get; private set; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public int ReceivedCount { get; set; }
        public int NextIndex { get; set; }
        public int Timeouts { get; set; }
        public int Attempts { get; set; }
        public int ChunksSeen { get; set; }

        public double Progress => Chunks == 0 ? 1 : ReceivedCount / (double)Chunks;

        public bool Stalled(IActorRef? source) => source is null || Timeouts > 0;

        public int LengthOf(int index) => (int)Math.Min(chunkBytes, Notice.Bytes - (long)index * chunkBytes);

        /// <summary>Hashes the chunks that now continue the hashed prefix, so the final check costs one chunk, not the blob.</summary>
        public void AdvanceHash()
        {
            while (hashed < Chunks && Received[hashed])
            {
                Hash.AppendData(Buffer, hashed * chunkBytes, LengthOf(hashed));
                hashed++;
            }
        }

        public void Restart()
        {
            Array.Clear(Received);
            InFlight.Clear();
            ReceivedCount = 0;
            NextIndex = 0;
            Timeouts = 0;
            hashed = 0;
            Hash.Dispose();
            Hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }

        public void Dispose() => Hash.Dispose();
    }

    private sealed class ChunkTimeout : INoSerializationVerificationNeeded
    {
        public static ChunkTimeout Instance { get; } = new();
    }

    private sealed class ResubscribeTick : INoSerializationVerificationNeeded
    {
        public static ResubscribeTick Instance { get; } = new();
    }
}
