using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace Gipo.Bench.Pipeline;

/// <summary>An unbounded deque mailbox (what stashing actors need, and a superset of the default) that reports to the active
/// <see cref="MessageTap"/>.</summary>
public sealed class TapMailbox(Akka.Actor.Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<TapMessageQueue>
{
    /// <inheritdoc />
    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new TapMessageQueue();
}
