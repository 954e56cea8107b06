using Akka.Actor;
using Akka.Event;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Weights;

/// <summary>
/// Versioned policy weights (docs/architecture.md, "Actors"): the learner publishes each version here (same node),
/// subscribers get a small <see cref="PolicyPublished"/> notice and pull the weights in chunks
/// (<see cref="PullWeightChunk"/>), so no remote message carries a model. It holds the newest
/// <see cref="WeightTransferSettings.KeepVersions"/> versions, so a puller still transferring version v when v+1
/// arrives is not cut off. Chunks are slices of the held blob: serving one copies nothing until remoting encodes it.
/// Protocol: <c>WeightStoreProtocol.cs</c>.
/// </summary>
public sealed class WeightStore : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly HashSet<IActorRef> subscribers = [];
    private readonly WeightTransferSettings settings;
    private readonly string location;

    // Oldest first; the last one is the latest.
    private readonly List<PolicyWeights> held = [];

    /// <summary>Use <see cref="Props"/>.</summary>
    public WeightStore(WeightTransferSettings? settings)
    {
        this.settings = settings ?? WeightTransferSettings.Create(Context.System);
        // Without the UID: a store re-created at the same path (a restarted singleton) is still found there.
        location = Self.Path.ToStringWithAddress(((ExtendedActorSystem)Context.System).Provider.DefaultAddress);
        if (this.settings.LargeObjectHeapWarning() is { } slow) log.Warning(slow);
        Receive<PublishWeights>(OnPublish);
        Receive<SubscribePolicy>(_ =>
        {
            if (subscribers.Add(Sender)) Context.Watch(Sender);
            if (Latest is { } latest) Sender.Tell(Notice(latest));
        });
        Receive<PullWeightChunk>(OnPull);
        Receive<Terminated>(t => subscribers.Remove(t.ActorRef));
    }

    /// <summary>Props of the store; without <paramref name="settings"/> it reads (and checks) its actor system's.</summary>
    public static Props Props(WeightTransferSettings? settings = null) => Akka.Actor.Props.Create(() => new WeightStore(settings));

    private PolicyWeights? Latest => held.Count > 0 ? held[^1] : null;

    private void OnPublish(PublishWeights m)
    {
        var w = m.Weights;
        var latest = Latest;
        if (latest is not null && w.Version < latest.Version)
        {
            // After a resume the learner publishes its checkpoint's version, which may be below what samplers saw; a
            // lower version is only valid from a restarted learner, so it replaces everything.
            log.Info("weights v{0} published after v{1}: the learner resumed from an earlier checkpoint", w.Version, latest.Version);
            held.Clear();
        }
        else if (latest is not null && w.Version == latest.Version)
        {
            if (w.Sha256 == latest.Sha256) return;
            log.Warning("weights v{0} republished with other contents (a restarted learner); subscribers reload", w.Version);
            held.Clear();
        }
        held.Add(w);
        if (held.Count > settings.KeepVersions) held.RemoveRange(0, held.Count - settings.KeepVersions);
        var notice = Notice(w);
        foreach (var s in subscribers) s.Tell(notice);
    }

    private void OnPull(PullWeightChunk m)
    {
        var w = held.FindLast(h => h.Version == m.Version && string.Equals(h.Sha256, m.Sha256, StringComparison.OrdinalIgnoreCase));
        if (w is null)
        {
            Sender.Tell(new WeightsUnavailable(m.Version, Latest?.Version, Latest is null
                ? "no weights published yet"
                : $"version {m.Version} ({Short(m.Sha256)}) is not held; held: {string.Join(", ", held.Select(h => $"v{h.Version}"))}"));
            return;
        }
        var total = w.Data.LongLength;
        if (m.Length <= 0 || m.Length > settings.ChunkBytes || m.Offset < 0 || m.Offset > total || (m.Offset == total && total > 0))
        {
            Sender.Tell(new WeightsUnavailable(m.Version, Latest?.Version,
                $"bad pull: {m.Length} bytes at {m.Offset} of {total} (this store's chunk size is {settings.ChunkBytes})"));
            return;
        }
        var n = (int)Math.Min(m.Length, total - m.Offset);
        Sender.Tell(new WeightChunk(m.Version, m.Offset, total, w.Data.AsMemory((int)m.Offset, n)));
    }

    private PolicyPublished Notice(PolicyWeights w) => new(w.Version, location, w.Sha256, w.Data.LongLength);

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
