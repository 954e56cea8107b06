using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Gipo.Cluster.Configuration;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Akka.Management.Dsl;
using Newtonsoft.Json;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// How a node finds its cluster without static seeds: a management HTTP endpoint plus Cluster Bootstrap over a
/// discovery method (the <c>gipo node --discovery</c> options).
/// </summary>
/// <param name="Hostname">Address the other nodes reach this node's management endpoint on (the advertised
/// public hostname: container name, pod IP). It must equal this node's entry in <paramref name="ConfigEndpoints"/>,
/// because bootstrap recognises itself among the contact points by host and port.</param>
/// <param name="Port">Management HTTP port (contact point and health probes).</param>
/// <param name="Discovery"><c>config</c> (a fixed endpoint list) or <c>kubernetes-api</c> (pods by label).</param>
/// <param name="ServiceName">The service looked up; with kubernetes-api also the <c>{0}</c> of the pod label
/// selector (default <c>app={0}</c>, so pods labelled <c>app=gipo</c>).</param>
/// <param name="RequiredContactPoints">Contact points that must answer before the lowest-addressed one may form a
/// new cluster (the number of nodes started together; joining an existing cluster needs only one).</param>
/// <param name="ConfigEndpoints"><c>host:managementPort</c> of every contact point, for <c>config</c> discovery.</param>
/// <param name="BindHostname">Interface the management endpoint listens on (containers: 0.0.0.0, so local health
/// probes reach it as well).</param>
/// <param name="PodLabelSelector">kubernetes-api only: overrides the label selector (<c>{0}</c> = service name).</param>
public sealed record ManagementOptions(
    string Hostname,
    int Port,
    string Discovery,
    string ServiceName,
    int RequiredContactPoints,
    IReadOnlyList<string> ConfigEndpoints,
    string? BindHostname = null,
    string? PodLabelSelector = null)
{
    /// <summary>The discovery method with a fixed endpoint list.</summary>
    public const string ConfigDiscovery = "config";

    /// <summary>The discovery method that lists the pods of the namespace through the Kubernetes API.</summary>
    public const string KubernetesDiscovery = "kubernetes-api";

    /// <summary>The management port Akka.Management and the deploy manifests use.</summary>
    public const int DefaultPort = 8558;

    /// <summary>Name of the pods' management container port; kubernetes-api discovery picks the contact port by it.</summary>
    public const string KubernetesPortName = "management";

    /// <summary>Throws <see cref="ArgumentException"/> naming the option (flag and environment variable) that is wrong.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Hostname) || Hostname is "0.0.0.0" or "::" or "[::]")
            throw new ArgumentException(
                $"Management hostname '{Hostname}' is not an address other nodes can reach: set --public-hostname / GIPO_PUBLIC_HOSTNAME " +
                "(container name or pod IP) when binding to all interfaces.");
        // Port 0 would bind a random port, but bootstrap identifies itself by the configured one: it could never self-join.
        if (Port is < 1 or > 65535)
            throw new ArgumentException($"Management port {Port} must be 1-65535 (--management-port / GIPO_MANAGEMENT_PORT).");
        if (Discovery is not (ConfigDiscovery or KubernetesDiscovery))
            throw new ArgumentException(
                $"Discovery method '{Discovery}' is not known: use '{ConfigDiscovery}' or '{KubernetesDiscovery}' (--discovery / GIPO_DISCOVERY).");
        if (string.IsNullOrWhiteSpace(ServiceName) || ServiceName.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\' or '.'))
            throw new ArgumentException($"Discovery service name '{ServiceName}' must be a plain name like 'gipo' (GIPO_DISCOVERY_SERVICE).");
        if (RequiredContactPoints < 1)
            throw new ArgumentException(
                $"Required contact points {RequiredContactPoints} must be at least 1 (GIPO_REQUIRED_CONTACT_POINTS).");

        if (Discovery == ConfigDiscovery)
        {
            if (ConfigEndpoints.Count == 0)
                throw new ArgumentException(
                    "Config discovery needs the contact points' management endpoints: GIPO_DISCOVERY_ENDPOINTS=host1:8558,host2:8558.");
            foreach (var endpoint in ConfigEndpoints) ParseEndpoint(endpoint);
            if (ConfigEndpoints.Count < RequiredContactPoints)
                throw new ArgumentException(
                    $"GIPO_REQUIRED_CONTACT_POINTS={RequiredContactPoints} but GIPO_DISCOVERY_ENDPOINTS lists only {ConfigEndpoints.Count}: " +
                    "a new cluster could never form.");
        }
        else if (ConfigEndpoints.Count > 0)
        {
            throw new ArgumentException(
                $"GIPO_DISCOVERY_ENDPOINTS is for '{ConfigDiscovery}' discovery only; '{KubernetesDiscovery}' finds the pods by label.");
        }
    }

    /// <summary>Splits <c>host:port</c> (IPv6 as <c>[::1]:8558</c>); throws <see cref="ArgumentException"/> when malformed.</summary>
    public static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon > 0 && colon < endpoint.Length - 1
            && int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is >= 1 and <= 65535
            && !endpoint[..colon].Any(char.IsWhiteSpace)
            && (!endpoint[..colon].Contains(':') || (endpoint[0] == '[' && endpoint[colon - 1] == ']')))
            return (endpoint[..colon], port);
        throw new ArgumentException($"Discovery endpoint '{endpoint}' is not host:managementPort (GIPO_DISCOVERY_ENDPOINTS).");
    }
}


/// <summary>
/// Dynamic cluster formation without static seeds: a management HTTP endpoint (bootstrap contact point,
/// <c>/alive</c>, <c>/ready</c>) plus Akka.Management's Cluster Bootstrap over config or kubernetes-api discovery.
/// Use instead of seed nodes, never together with them: bootstrap does nothing when <c>akka.cluster.seed-nodes</c>
/// is set, so <see cref="StartAsync"/> refuses that combination.
/// </summary>
/// <remarks>
/// The endpoint is Gipo's own (<see cref="ManagementEndpoint"/>), not <c>AkkaManagement.Start()</c>: Akka.Management
/// 1.5.73's HTTP shim is compiled against Ceen.Httpd 0.9.9, and the only served Ceen.Httpd (0.9.10) changed
/// <c>HttpServer.ListenAsync(IPEndPoint, …)</c> to take an <c>EndPoint</c>, so <c>AkkaManagement.Start()</c> fails
/// with <see cref="MissingMethodException"/>. Bootstrap itself only needs its contact-point route
/// (<c>GET /bootstrap/seed-nodes</c>, answered here with Akka.Management's own JSON types) and probes the other nodes
/// with <see cref="HttpClient"/>, so it works unchanged. Bootstrap lives inside the Akka.Management assembly in
/// 1.5.73: HOCON naming <c>"…ClusterBootstrapProvider, Akka.Management.Cluster.Bootstrap"</c> does not load.
/// </remarks>
public static class ClusterManagement
{
    /// <summary>Path of the liveness endpoint: 200 while the actor system runs.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Path of the readiness endpoint: 200 while this node is an Up (or WeaklyUp) member, else 503.</summary>
    public const string ReadyPath = "/ready";

    /// <summary>Path Cluster Bootstrap probes on every contact point (fixed by Akka.Management).</summary>
    public const string SeedNodesPath = "/bootstrap/seed-nodes";

    /// <summary>
    /// The HOCON for <paramref name="o"/>; layer it over the node's cluster configuration (it sets only
    /// <c>akka.management</c> and <c>akka.discovery</c>). Throws <see cref="ArgumentException"/> for invalid options.
    /// </summary>
    public static Config Config(ManagementOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Validate();
        var kubernetes = o.Discovery == ManagementOptions.KubernetesDiscovery;
        const string bootstrap = "akka.management.cluster.bootstrap";
        List<(string Key, object Value)> values =
        [
            ("akka.management.http.hostname", o.Hostname),
            ("akka.management.http.port", o.Port),
            ("akka.management.http.bind-hostname", o.BindHostname ?? ""),
            ($"{bootstrap}.contact-point-discovery.service-name", o.ServiceName),
            ($"{bootstrap}.contact-point-discovery.required-contact-point-nr", o.RequiredContactPoints),
            // kubernetes-api: take the container port named "management" (pods also expose remoting).
            ($"{bootstrap}.contact-point-discovery.port-name", kubernetes ? ManagementOptions.KubernetesPortName : ""),
            // Set, so bootstrap never instantiates AkkaManagement to read its port.
            ($"{bootstrap}.contact-point.fallback-port", o.Port),
            // A config list names each contact point's management port; filtering by this node's own port would drop
            // nodes that share a host but not the port (several nodes on one machine).
            ($"{bootstrap}.contact-point.filter-on-fallback-port", kubernetes),
            ("akka.discovery.method", o.Discovery),
        ];
        if (!kubernetes) values.Add(($"akka.discovery.config.services.{o.ServiceName}.endpoints", o.ConfigEndpoints));
        else if (o.PodLabelSelector is { } selector) values.Add(("akka.discovery.kubernetes-api.pod-label-selector", selector));
        // The fixed keys are in hocon/akka-management.conf.
        return ComputedConfig.Of([.. values]).WithFallback(AkkaReference.Management);
    }

    /// <summary>
    /// Binds the management endpoint and starts Cluster Bootstrap; returns the endpoint, which stops when the actor
    /// system terminates. The system must have been created with <see cref="Config"/> for the same options, the
    /// cluster provider and no seed nodes. Call it right after creating the system: until then health probes fail
    /// and no other node can learn about this one.
    /// </summary>
    public static async Task<ManagementEndpoint> StartAsync(ActorSystem system, ManagementOptions o)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(o);
        // The options were validated by Config(o), which the check below requires the system to be created with.
        if (((ExtendedActorSystem)system).Provider is not IClusterActorRefProvider)
            throw new InvalidOperationException("Cluster Bootstrap needs akka.actor.provider = cluster.");
        var seeds = Akka.Cluster.Cluster.Get(system).Settings.SeedNodes;
        if (!seeds.IsEmpty)
            throw new InvalidOperationException(
                $"Both seed nodes ({string.Join(", ", seeds)}) and discovery '{o.Discovery}' are set: use --seed or --discovery, not both.");
        var config = system.Settings.Config;
        if (config.GetInt("akka.management.http.port", 0) != o.Port || config.GetString("akka.discovery.method", "") != o.Discovery)
            throw new InvalidOperationException("The actor system was not created with ClusterManagement.Config for these options.");

        var endpoint = ManagementEndpoint.Start(system, o);
        try
        {
            // Routes() is where Akka.Management hands bootstrap its own contact point (the joining decision compares
            // it with the discovered ones); the Ceen routes it returns are not used.
            var bootstrap = ClusterBootstrap.Get(system);
            bootstrap.Routes(ManagementRouteProviderSettings.Create(endpoint.SelfUri, readOnly: true));
            await bootstrap.Start().ConfigureAwait(false);
        }
        catch
        {
            await endpoint.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return endpoint;
    }

}

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
                $"The management endpoint could not listen on {string.Join(", ", Prefixes(o))} (--management-port / GIPO_MANAGEMENT_PORT): {e.Message}", e);
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
