using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// Akka's log on standard error. Akka's own console logger writes to standard output, which belongs to a command's
/// results (<c>--json</c> lines that scripts parse); a node's log lines go where its progress goes. The remoting noise
/// of a lost peer becomes one line per peer (<see cref="ClusterLogFilter"/>).
/// </summary>
public sealed class StandardErrorLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>Created by the actor system from <c>akka.loggers</c>.</summary>
    public StandardErrorLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        var filter = new ClusterLogFilter();
        Receive<LogEvent>(e =>
        {
            foreach (var line in filter.Lines(e)) Console.Error.WriteLine(line);
        });
    }
}
