using System.Globalization;

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
                $"management hostname '{Hostname}' is not an address other nodes can reach: set --public-hostname / GIPO_PUBLIC_HOSTNAME " +
                "(container name or pod IP) when binding to all interfaces");
        // Port 0 would bind a random port, but bootstrap identifies itself by the configured one: it could never self-join.
        if (Port is < 1 or > 65535)
            throw new ArgumentException($"management port {Port} must be 1-65535 (--management-port / GIPO_MANAGEMENT_PORT)");
        if (Discovery is not (ConfigDiscovery or KubernetesDiscovery))
            throw new ArgumentException(
                $"discovery method '{Discovery}' is not known: use '{ConfigDiscovery}' or '{KubernetesDiscovery}' (--discovery / GIPO_DISCOVERY)");
        if (string.IsNullOrWhiteSpace(ServiceName) || ServiceName.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\' or '.'))
            throw new ArgumentException($"discovery service name '{ServiceName}' must be a plain name like 'gipo' (GIPO_DISCOVERY_SERVICE)");
        if (RequiredContactPoints < 1)
            throw new ArgumentException(
                $"required contact points {RequiredContactPoints} must be at least 1 (GIPO_REQUIRED_CONTACT_POINTS)");

        if (Discovery == ConfigDiscovery)
        {
            if (ConfigEndpoints.Count == 0)
                throw new ArgumentException(
                    "config discovery needs the contact points' management endpoints: GIPO_DISCOVERY_ENDPOINTS=host1:8558,host2:8558");
            foreach (var endpoint in ConfigEndpoints) ParseEndpoint(endpoint);
            if (ConfigEndpoints.Count < RequiredContactPoints)
                throw new ArgumentException(
                    $"GIPO_REQUIRED_CONTACT_POINTS={RequiredContactPoints} but GIPO_DISCOVERY_ENDPOINTS lists only {ConfigEndpoints.Count}: " +
                    "a new cluster could never form");
        }
        else if (ConfigEndpoints.Count > 0)
        {
            throw new ArgumentException(
                $"GIPO_DISCOVERY_ENDPOINTS is for '{ConfigDiscovery}' discovery only; '{KubernetesDiscovery}' finds the pods by label");
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
        throw new ArgumentException($"discovery endpoint '{endpoint}' is not host:managementPort (GIPO_DISCOVERY_ENDPOINTS)");
    }
}
