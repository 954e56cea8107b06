using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Newtonsoft.Json;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// The management HTTP endpoint of one node (<see cref="HttpListener"/>): <c>GET /bootstrap/seed-nodes</c> for
/// Cluster Bootstrap, <c>/alive</c> (200 while the actor system runs) and <c>/ready</c> (200 while this node is an Up
/// or WeaklyUp member; 503 while joining, leaving or out of the cluster). HttpListener rather than Kestrel keeps the
/// app on the base .NET runtime (no ASP.NET Core shared framework in images or GPU bundles).
/// </summary>
public sealed class ManagementEndpoint : IAsyncDisposable
{
    // Akka.Management exposes at most this many members as seed nodes (ClusterBootstrapSettings.MaxSeedNodesToExpose).
    private const int MaxSeedNodesToExpose = 5;

    private readonly ActorSystem system;
    private readonly HttpListener listener;
    private readonly Task serving;
    private int disposed;

    private ManagementEndpoint(ActorSystem system, HttpListener listener, Uri selfUri)
    {
        this.system = system;
        this.listener = listener;
        SelfUri = selfUri;
        serving = Task.Run(ServeAsync);
    }

    /// <summary>The advertised base address (<c>http://hostname:port/</c>): this node's bootstrap contact point.</summary>
    public Uri SelfUri { get; }

    internal static ManagementEndpoint Start(ActorSystem system, ManagementOptions o)
    {
        var listener = new HttpListener { IgnoreWriteExceptions = true };
        foreach (var prefix in Prefixes(o)) listener.Prefixes.Add(prefix);
        try
        {
            listener.Start();
        }
        catch (Exception e) when (e is HttpListenerException or SocketException)
        {
            listener.Close();
            throw new InvalidOperationException(
                $"The management endpoint could not listen on {string.Join(", ", Prefixes(o))} " +
                $"(--management-port / GIPO_MANAGEMENT_PORT): {e.Message}", e);
        }
        var endpoint = new ManagementEndpoint(system, listener, new Uri($"http://{UriHost(o.Hostname)}:{o.Port}/"));
        // Probes keep answering during coordinated shutdown (the node is leaving, not dead); stop with the system.
        _ = system.WhenTerminated.ContinueWith(_ => endpoint.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap();
        return endpoint;
    }

    /// <summary>
    /// Listener prefixes. A wildcard bind listens on every interface for any Host header. A specific bind address
    /// listens there, and HttpListener then matches the request's Host header against the prefix hosts: the
    /// advertised hostname is added because that is the name other nodes' discovery lists for this node.
    /// </summary>
    private static IEnumerable<string> Prefixes(ManagementOptions o)
    {
        var bind = string.IsNullOrWhiteSpace(o.BindHostname) ? o.Hostname : o.BindHostname;
        if (bind is "0.0.0.0" or "::" or "[::]" or "*" or "+") return [$"http://+:{o.Port}/"];
        return new[] { bind, o.Hostname }.Select(h => $"http://{UriHost(h)}:{o.Port}/").Distinct(StringComparer.OrdinalIgnoreCase);
    }

    private static string UriHost(string host) =>
        IPAddress.TryParse(host, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6 && !host.StartsWith('[') ? $"[{host}]" : host;

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            _ = Task.Run(() => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var (status, contentType, body) = context.Request.HttpMethod is "GET" or "HEAD"
                ? Route(context.Request.Url?.AbsolutePath)
                : (405, "text/plain; charset=utf-8", "GET only\n");
            var bytes = Encoding.UTF8.GetBytes(body);
            response.StatusCode = status;
            response.ContentType = contentType;
            response.ContentLength64 = bytes.Length;
            if (context.Request.HttpMethod != "HEAD") response.OutputStream.Write(bytes);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            try { response.Close(); }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { }
        }
    }

    private (int Status, string ContentType, string Body) Route(string? path)
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

    /// <summary>Stops listening (also done when the actor system terminates).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        listener.Stop();
        listener.Close();
        await serving.ConfigureAwait(false);
    }
}
