using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Configuration;
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
