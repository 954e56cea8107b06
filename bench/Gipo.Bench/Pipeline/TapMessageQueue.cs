using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace Gipo.Bench.Pipeline;

/// <summary>The queue of a <see cref="TapMailbox"/>: Akka's unbounded deque plus one record per enqueued message.</summary>
public sealed class TapMessageQueue()
    : DequeWrapperMessageQueue(new UnboundedMessageQueue()), IMessageQueue, IUnboundedDequeBasedMessageQueueSemantics
{
    /// <inheritdoc />
    void IMessageQueue.Enqueue(IActorRef receiver, Envelope envelope)
    {
        MessageTap.Active?.Record(envelope.Message);
        Enqueue(receiver, envelope);
    }
}
