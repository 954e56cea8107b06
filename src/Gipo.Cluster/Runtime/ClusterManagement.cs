using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;
using Gipo.Cluster.Configuration;

namespace Gipo.Cluster.Runtime;

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
            throw new InvalidOperationException("Cluster Bootstrap needs akka.actor.provider = cluster");
        var seeds = Akka.Cluster.Cluster.Get(system).Settings.SeedNodes;
        if (!seeds.IsEmpty)
            throw new InvalidOperationException(
                $"Both seed nodes ({string.Join(", ", seeds)}) and discovery '{o.Discovery}' are set: use --seed or --discovery, not both.");
        var config = system.Settings.Config;
        if (config.GetInt("akka.management.http.port", 0) != o.Port || config.GetString("akka.discovery.method", "") != o.Discovery)
            throw new InvalidOperationException("the actor system was not created with ClusterManagement.Config for these options");

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
