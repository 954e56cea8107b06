using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Event;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// What of Akka's log a node writes to standard error when a peer goes away. Akka.Remote and Akka.Cluster report one
/// lost peer in many lines on every survivor — association errors and gating every 5 s while the address refuses
/// connections, an ERROR with a stack trace for the disassociation, the quarantine, the unreachable marking, the
/// downing decision — and the same lines at start-up while seeds are still starting. This filter turns that into one
/// <c>lost peer</c> line per peer incarnation (address and uid), when the cluster first marks it unreachable, and drops
/// the association noise that only repeats what that line says. Association failures for any other reason (a TLS
/// handshake, a frame too large, a peer that quarantined this node) and every other log line pass unchanged.
/// </summary>
public sealed partial class ClusterLogFilter
{
    // Peer incarnations ("address#uid") already reported lost.
    private readonly HashSet<string> reported = new(StringComparer.Ordinal);

    // Causes that mean "the peer went away", which the lost-peer line (or a normal leave) already explains. By name:
    // Akka.Remote's exception types are internal.
    private static readonly HashSet<string> PeerGoneCauses = new(StringComparer.Ordinal)
    {
        "EndpointDisassociatedException", "ShutDownAssociation", "InvalidAssociation", "InvalidAssociationException",
    };

    /// <summary>The lines to write for <paramref name="e"/>: none, its own text, or one <c>lost peer</c> line per peer it reports for the first
    /// time.</summary>
    public IReadOnlyList<string> Lines(LogEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.LogLevel() < LogLevel.WarningLevel) return [e.ToString()];
        var message = e.Message?.ToString() ?? "";
        // A peer that quarantined this node is not a peer gone: nothing reaches it again until this node restarts
        // (Akka's InvalidAssociation says so), so that line always passes.
        if (e.Cause is { } cause && PeerGoneCauses.Contains(cause.GetType().Name) && !SaysThisNodeQuarantined(cause)) return [];
        if (IsPeerGoneNoise(message)) return [];
        if (message.Contains("Marking node(s) as UNREACHABLE", StringComparison.Ordinal))
        {
            var lines = new List<string>();
            foreach (Match m in UnreachableMember().Matches(message))
            {
                var (address, uid, roles) = (m.Groups["address"].Value, m.Groups["uid"].Value, m.Groups["roles"].Value);
                if (!reported.Add($"{address}#{uid}")) continue;
                var at = e.Timestamp.ToString("MM/dd/yyyy HH:mm:ss.fff", CultureInfo.InvariantCulture);
                lines.Add($"[WARNING][{at}Z][{e.LogSource}] lost peer {address} (roles {roles}, uid {uid}): unreachable; " +
                          "if it stays so the split-brain resolver downs it, its leases are re-issued and its singletons move");
            }
            return lines;
        }
        if (DownUnreachable().Match(message) is { Success: true } down
            && down.Groups["addresses"].Value.Split(", ", StringSplitOptions.RemoveEmptyEntries)
                .All(a => reported.Any(r => r.StartsWith(a.Trim('[', ']') + "#", StringComparison.Ordinal))))
            return [];
        return [e.ToString()];
    }

    private static bool SaysThisNodeQuarantined(Exception cause) =>
        cause.ToString().Contains("quarantined this system", StringComparison.Ordinal);

    /// <summary>Association and quarantine lines about a peer that refuses connections or went away.</summary>
    private static bool IsPeerGoneNoise(string message)
    {
        var gone = message.Contains("Connection refused", StringComparison.Ordinal)
                   || message.Contains("EndpointDisassociatedException", StringComparison.Ordinal)
                   || message.Contains("ShutDownAssociation", StringComparison.Ordinal)
                   || message.EndsWith("] Disassociated", StringComparison.Ordinal);
        return (message.StartsWith("AssociationError ", StringComparison.Ordinal) && gone)
               || (message.StartsWith("Tried to associate with unreachable remote address", StringComparison.Ordinal) && gone)
               || (message.StartsWith("Association with remote system", StringComparison.Ordinal) && gone)
               || message.Contains("is irrecoverably failed. UID is now quarantined", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Member\(address = (?<address>[^,\s]+), Uid=(?<uid>-?\d+) status = \w+, role=\[(?<roles>[^\]]*)\]")]
    private static partial Regex UnreachableMember();

    [GeneratedRegex(@"^SBR took decision Akka\.Cluster\.SBR\.DownUnreachable and is downing (?<addresses>(\[[^\]]+\](, )?)+), ")]
    private static partial Regex DownUnreachable();
}
