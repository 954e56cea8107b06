using Akka.Actor;
using Akka.Event;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Weights;

/// <summary>
/// Versioned policy weights (ARCHITECTURE "WeightStore"): the learner publishes each version here, subscribers get a
/// small <see cref="PolicyPublished"/> notice and pull the weights they want. It keeps the newest version and the one
/// before it, so a sampler that was told of version v can still fetch it while v+1 is being published. On one node
/// the bytes are handed over in memory; hashes are checked by the receiver. Protocol: <c>WeightStoreProtocol.cs</c>.
/// </summary>
public sealed class WeightStore : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly HashSet<IActorRef> subscribers = [];
    private PolicyWeights? latest;
    private PolicyWeights? previous;

    /// <summary>Use <see cref="Props"/>.</summary>
    public WeightStore()
    {
        Receive<PublishWeights>(OnPublish);
        Receive<SubscribePolicy>(_ =>
        {
            if (subscribers.Add(Sender)) Context.Watch(Sender);
            if (latest is not null) Sender.Tell(Notice(latest));
        });
        Receive<GetWeights>(m =>
        {
            var held = latest?.Version == m.Version ? latest : previous?.Version == m.Version ? previous : null;
            Sender.Tell(held is not null
                ? new WeightsReply(held)
                : new WeightsUnavailable(m.Version, latest?.Version, latest is null ? "no weights published yet" : $"version {m.Version} is not held (latest is {latest.Version})"));
        });
        Receive<Terminated>(t => subscribers.Remove(t.ActorRef));
    }

    /// <summary>Props of the store.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new WeightStore());

    private void OnPublish(PublishWeights m)
    {
        var w = m.Weights;
        if (latest is not null && w.Version < latest.Version)
        {
            // After a resume the learner publishes its checkpoint's version, which may be below what samplers saw; a
            // lower version is only valid from a restarted learner, so it replaces everything.
            log.Info("weights v{0} published after v{1}: the learner resumed from an earlier checkpoint", w.Version, latest.Version);
            previous = null;
        }
        else if (latest is not null && w.Version == latest.Version)
        {
            if (w.Sha256 == latest.Sha256) return;
            log.Warning("weights v{0} republished with other contents (a restarted learner); subscribers reload", w.Version);
            previous = null;
        }
        else previous = latest;
        latest = w;
        var notice = Notice(w);
        foreach (var s in subscribers) s.Tell(notice);
    }

    private static PolicyPublished Notice(PolicyWeights w) => new(w.Version, w.Sha256, w.Data.LongLength);
}
