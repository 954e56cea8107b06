using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using Gipo.Cluster.Runtime;
using Gipo.Cluster.Serialization;

namespace Gipo.Bench.Pipeline;

/// <summary>
/// An opt-in record of every message put into an actor's mailbox, for <c>gipo-bench pipeline</c>. A node started
/// with <see cref="MailboxConfig"/> gives every actor (default mailbox and stash mailboxes, so the persistent
/// coordinator and scheduler too) a <see cref="TapMailbox"/>, which notes the time and type of each enqueued message,
/// and keeps Gipo protocol messages (<see cref="IGipoMessage"/>) themselves so their codec cost can be measured after
/// the run. Not recorded: system messages (watch, terminate, …) and replies to <c>Ask</c>, which complete a promise
/// without passing through a mailbox. Without a tap the mailbox only forwards.
/// </summary>
public sealed class MessageTap : IDisposable
{
    private static readonly Lock Gate = new();
    private static volatile MessageTap? active;
    private readonly ConcurrentQueue<TappedMessage> messages = new();

    private MessageTap()
    {
    }

    /// <summary>
    /// HOCON that puts the tap mailbox under the default mailbox and the unbounded (deque) mailboxes that actors with a
    /// stash ask for. Pass it as <see cref="NodeOptions.ExtraConfig"/>.
    /// </summary>
    public static Config MailboxConfig { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor.default-mailbox.mailbox-type = "{{typeof(TapMailbox).AssemblyQualifiedNameWithoutVersion()}}"
        akka.actor.mailbox.unbounded-queue-based.mailbox-type = "{{typeof(TapMailbox).AssemblyQualifiedNameWithoutVersion()}}"
        akka.actor.mailbox.unbounded-deque-based.mailbox-type = "{{typeof(TapMailbox).AssemblyQualifiedNameWithoutVersion()}}"
        """);

    internal static MessageTap? Active => active;

    /// <summary>Starts recording (one tap per process); dispose to stop.</summary>
    /// <exception cref="InvalidOperationException">Another tap records already.</exception>
    public static MessageTap Start()
    {
        var tap = new MessageTap();
        lock (Gate)
        {
            if (active is not null) throw new InvalidOperationException("a message tap is already recording");
            active = tap;
        }
        return tap;
    }

    /// <summary>Every message recorded so far, in no particular order.</summary>
    public IReadOnlyList<TappedMessage> Messages => [.. messages];

    internal void Record(object message) =>
        messages.Enqueue(new TappedMessage(Stopwatch.GetTimestamp(), message.GetType(), message as IGipoMessage));

    /// <inheritdoc />
    public void Dispose()
    {
        lock (Gate)
        {
            if (ReferenceEquals(active, this)) active = null;
        }
    }
}

/// <summary>One enqueued message: when (<see cref="Stopwatch.GetTimestamp"/>), its type, and the message itself if it is a Gipo message.</summary>
public readonly record struct TappedMessage(long Timestamp, Type Type, IGipoMessage? Message);

/// <summary>An unbounded deque mailbox (what stashing actors need, and a superset of the default) that reports to the active <see cref="MessageTap"/>.</summary>
public sealed class TapMailbox(Akka.Actor.Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<TapMessageQueue>
{
    /// <inheritdoc />
    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new TapMessageQueue();
}

/// <summary>The queue of a <see cref="TapMailbox"/>: Akka's unbounded deque plus one record per enqueued message.</summary>
public sealed class TapMessageQueue() : DequeWrapperMessageQueue(new UnboundedMessageQueue()), IMessageQueue, IUnboundedDequeBasedMessageQueueSemantics
{
    /// <inheritdoc />
    void IMessageQueue.Enqueue(IActorRef receiver, Envelope envelope)
    {
        MessageTap.Active?.Record(envelope.Message);
        Enqueue(receiver, envelope);
    }
}
