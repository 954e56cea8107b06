using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Newtonsoft.Json;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// The management HTTP endpoint of one node, a minimal HTTP/1.1 server on plain sockets: <c>GET /bootstrap/seed-nodes</c>
/// for Cluster Bootstrap, <c>/alive</c> (200 while the actor system runs) and <c>/ready</c> (200 while this node is an Up
/// or WeaklyUp member; 503 while joining, leaving or out of the cluster). One request per connection
/// (<c>Connection: close</c>), GET and HEAD only.
/// </summary>
/// <remarks>
/// Not <see cref="HttpListener"/>: on Linux its managed implementation starts accepting before its endpoint listener is
/// fully built, so a client already connecting while it starts (another node's bootstrap probe) made <c>Start</c>
/// throw <see cref="ArgumentNullException"/> and left the port bound by a dead socket for the rest of the process, which
/// no retry can release (<c>Stop</c> then <c>Close</c> even re-binds the port and can hit the same race). Not Kestrel
/// either: without it the app stays on the base .NET runtime (no ASP.NET Core shared framework in images or GPU
/// bundles). Here a socket is bound and listening before the first accept, so no connection meets a half-built endpoint.
/// Not Ceen.Httpd (already in the graph through Akka.Management) either: its 0.9.10 listener creates its socket with
/// <see cref="ProtocolType.IP"/>, and .NET on Linux sets SO_REUSEADDR only for <see cref="ProtocolType.Tcp"/>, so a
/// connection it accepted that is still open after a stop keeps the port from being bound again (the start/stop test in
/// ManagementEndpointTests failed with "Address already in use" in 7 runs of 7, after 1 to about 3000 rounds).
/// </remarks>
public sealed class ManagementEndpoint : IAsyncDisposable
{
    // Akka.Management exposes at most this many members as seed nodes (ClusterBootstrapSettings.MaxSeedNodesToExpose).
    private const int MaxSeedNodesToExpose = 5;

    // A probe's request head is a few hundred bytes; anything larger is not a management client.
    private const int MaxRequestHeadBytes = 8192;

    // A client that connects and sends nothing (a port scan, a TCP health check) must not hold a connection forever.
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    // Marks a request head over the limit; compared by reference, so no request can look like it.
    private static readonly string TooLarge = new('\0', 1);

    private readonly ActorSystem system;
    private readonly IReadOnlyList<Socket> sockets;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task serving;
    private int disposed;

    private ManagementEndpoint(ActorSystem system, IReadOnlyList<Socket> sockets, Uri selfUri)
    {
        this.system = system;
        this.sockets = sockets;
        SelfUri = selfUri;
        serving = Task.WhenAll(sockets.Select(s => Task.Run(() => AcceptAsync(s))));
    }

    /// <summary>The advertised base address (<c>http://hostname:port/</c>): this node's bootstrap contact point.</summary>
    public Uri SelfUri { get; }

    internal static ManagementEndpoint Start(ActorSystem system, ManagementOptions o)
    {
        var addresses = BindAddresses(o);
        var sockets = new List<Socket>();
        try
        {
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                socket.Bind(new IPEndPoint(address, o.Port));
                socket.Listen(512);
            }
        }
        catch (SocketException e)
        {
            foreach (var socket in sockets) socket.Dispose();
            throw new InvalidOperationException(
                $"the management endpoint could not listen on port {o.Port} of {string.Join(", ", addresses)} " +
                $"(--management-port / GIPO_MANAGEMENT_PORT): {e.Message}", e);
        }
        var endpoint = new ManagementEndpoint(system, sockets, new Uri($"http://{UriHost(o.Hostname)}:{o.Port}/"));
        // Probes keep answering during coordinated shutdown (the node is leaving, not dead); stop with the system.
        _ = system.WhenTerminated.ContinueWith(_ => endpoint.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap();
        return endpoint;
    }

    /// <summary>
    /// Addresses to listen on. A wildcard bind listens on every IPv4 interface. A specific bind address listens there
    /// and on the advertised hostname's address, because that is the name other nodes' discovery lists for this node
    /// (a name resolves to its first address, as HttpListener did before).
    /// </summary>
    private static IReadOnlyList<IPAddress> BindAddresses(ManagementOptions o)
    {
        var bind = string.IsNullOrWhiteSpace(o.BindHostname) ? o.Hostname : o.BindHostname;
        if (bind is "0.0.0.0" or "::" or "[::]" or "*" or "+") return [IPAddress.Any];
        var addresses = new[] { bind, o.Hostname }.Select(Resolve).Distinct().ToList();
        // Any already covers the other address, and binding both would collide on the port.
        return addresses.Contains(IPAddress.Any) ? [IPAddress.Any] : addresses;
    }

    private static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address)) return address;
        try
        {
            return Dns.GetHostAddresses(host)[0];
        }
        catch (Exception e) when (e is SocketException or IndexOutOfRangeException)
        {
            throw new InvalidOperationException(
                $"the management endpoint cannot listen on '{host}': the name does not resolve ({e.Message})", e);
        }
    }

    private static string UriHost(string host) =>
        IPAddress.TryParse(host, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6 && !host.StartsWith('[') ? $"[{host}]" : host;

    private async Task AcceptAsync(Socket socket)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return; // stopped
            }
            catch (SocketException)
            {
                // A client that reset before it was accepted, or no descriptors left for a moment: keep serving, but
                // do not spin on a condition that persists.
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(Socket client)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                timeout.CancelAfter(RequestTimeout);
                var head = await ReadHeadAsync(client, timeout.Token).ConfigureAwait(false);
                if (head is null) return; // closed before a full request: nothing to answer
                await client.SendAsync(Respond(head), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                client.Shutdown(SocketShutdown.Send);
                await DrainAsync(client, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away, was too slow, or the endpoint stopped: nothing to answer.
            }
        }
    }

    /// <summary>
    /// Reads what the client still sends (a body, an oversized head) until it closes, at most a second: closing a
    /// socket with unread input resets the connection, and the client may then lose the answer it has not read yet.
    /// </summary>
    private static async Task DrainAsync(Socket client, CancellationToken cancel)
    {
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        drain.CancelAfter(TimeSpan.FromSeconds(1));
        var buffer = new byte[4096];
        while (await client.ReceiveAsync(buffer, SocketFlags.None, drain.Token).ConfigureAwait(false) > 0)
        {
        }
    }

    /// <summary>The request line and headers (Latin-1) without the blank line that ends them; <see cref="TooLarge"/>
    /// when they exceed the limit; null when the client closed first.</summary>
    private static async Task<string?> ReadHeadAsync(Socket client, CancellationToken cancel)
    {
        var buffer = new byte[MaxRequestHeadBytes];
        var count = 0;
        while (count < buffer.Length)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None, cancel).ConfigureAwait(false);
            if (read == 0) return null;
            // Search from just before the new bytes: the terminator may straddle two reads.
            var from = Math.Max(0, count - (EndOfHead.Length - 1));
            count += read;
            var end = buffer.AsSpan(from, count - from).IndexOf(EndOfHead);
            if (end >= 0) return Encoding.Latin1.GetString(buffer, 0, from + end);
        }
        return TooLarge;
    }

    private byte[] Respond(string head)
    {
        const string text = "text/plain; charset=utf-8";
        var line = head.Split("\r\n", 2)[0].Split(' ');
        var (method, path) = line.Length == 3 && line[2].StartsWith("HTTP/1.", StringComparison.Ordinal) ? (line[0], Path(line[1])) : ("", null);
        var (status, contentType, body) =
            ReferenceEquals(head, TooLarge) ? (431, text, "request head too large\n")
            : path is null ? (400, text, "bad request\n")
            : method is "GET" or "HEAD" ? RouteOrError(path)
            : (405, text, "GET only\n");
        var bytes = Encoding.UTF8.GetBytes(body);
        var response = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {Reason(status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {bytes.Length}\r\n")
            .Append(status == 405 ? "Allow: GET, HEAD\r\n" : "")
            .Append("Connection: close\r\n\r\n")
            .ToString();
        return [.. Encoding.ASCII.GetBytes(response), .. method == "HEAD" ? [] : bytes];
    }

    /// <summary>The path of a request target (origin form <c>/a?b</c> or absolute form <c>http://h/a</c>); null if neither.</summary>
    private static string? Path(string target)
    {
        if (target.StartsWith('/')) return target.Split('?', '#')[0];
        return Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp ? uri.AbsolutePath : null;
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        _ => "Service Unavailable",
    };

    private (int Status, string ContentType, string Body) RouteOrError(string path)
    {
        try
        {
            return Route(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // An answer the prober can log beats a connection closed without one.
            return (500, "text/plain; charset=utf-8", $"{e.GetType().Name}: {e.Message}\n");
        }
    }

    private (int Status, string ContentType, string Body) Route(string path)
    {
        const string text = "text/plain; charset=utf-8";
        switch (path)
        {
            case ClusterManagement.AlivePath:
                var running = !system.WhenTerminated.IsCompleted;
                return (running ? 200 : 503, text, running ? "alive\n" : "terminated\n");
            case ClusterManagement.ReadyPath:
                var status = Akka.Cluster.Cluster.Get(system).SelfMember.Status;
                return (status is MemberStatus.Up or MemberStatus.WeaklyUp ? 200 : 503, text, status + "\n");
            case ClusterManagement.SeedNodesPath:
                return (200, "application/json", SeedNodesJson());
            default:
                return (404, text, "not found\n");
        }
    }

    /// <summary>What Akka.Management's own contact-point route answers (the prober deserializes these types).</summary>
    private string SeedNodesJson()
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var self = cluster.SelfMember;
        var members = ImmutableList<HttpBootstrapJsonProtocol.ClusterMember>.Empty;
        if (self.Status is not (MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving or MemberStatus.Removed))
        {
            var state = cluster.State;
            members = state.Members
                .Where(m => !state.Unreachable.Contains(m) && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
                .Take(MaxSeedNodesToExpose)
                .Select(m => new HttpBootstrapJsonProtocol.ClusterMember(m.UniqueAddress.Address, m.UniqueAddress.Uid, m.Status, m.Roles))
                .ToImmutableList();
        }
        return JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, members));
    }

    /// <summary>Stops listening and drops requests in flight (also done when the actor system terminates).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        await stopping.CancelAsync().ConfigureAwait(false);
        foreach (var socket in sockets) socket.Dispose();
        await serving.ConfigureAwait(false);
    }
}
