namespace Gipo.Cluster.Runtime;

/// <summary>
/// How a node joins the cluster: its roles, where it listens, what it advertises, and whom it joins. The default
/// (<see cref="SingleProcess"/>) is every role on 127.0.0.1 with an ephemeral port, joining itself.
/// </summary>
/// <param name="Roles">See <see cref="NodeRoles"/>.</param>
/// <param name="Hostname">Where remoting binds (127.0.0.1 unless the node must be reachable from other machines).</param>
/// <param name="Port">Remoting port; 0 picks a free one (only sensible for a node nobody joins).</param>
/// <param name="PublicHostname">The address other nodes reach this one at; null: <paramref name="Hostname"/>.</param>
/// <param name="Seeds">Seed nodes as <c>host:port</c>. Empty: join itself (single process) or Cluster Bootstrap.</param>
/// <param name="ClusterName">The actor system name; nodes with different names never form one cluster.</param>
public sealed record ClusterMembership(
    IReadOnlyList<string> Roles, string Hostname = "127.0.0.1", int Port = 0, string? PublicHostname = null,
    IReadOnlyList<string>? Seeds = null, string ClusterName = ClusterMembership.DefaultName)
{
    /// <summary>The actor system name every Gipo node uses unless told otherwise.</summary>
    public const string DefaultName = "gipo";

    /// <summary>Every role, loopback, joins itself.</summary>
    public static ClusterMembership SingleProcess { get; } = new(NodeRoles.All);

    /// <summary>Whether this node has <paramref name="role"/>.</summary>
    public bool Has(string role) => Roles.Contains(role);

    /// <summary>The seeds as Akka addresses (<c>akka.tcp://name@host:port</c>, or <c>akka.ssl.tcp</c> with TLS).</summary>
    public IReadOnlyList<string> SeedAddresses(bool tls) =>
        (Seeds ?? []).Select(s => $"akka{(tls ? ".ssl" : "")}.tcp://{ClusterName}@{s}").ToList();

    /// <summary>Checks every value; errors name the problem.</summary>
    public ClusterMembership Validate()
    {
        NodeRoles.Parse(string.Join(',', Roles));
        if (string.IsNullOrWhiteSpace(Hostname)) throw new ArgumentException("the node's hostname is empty");
        if (Hostname is "0.0.0.0" or "::" && string.IsNullOrWhiteSpace(PublicHostname))
            throw new ArgumentException($"the node binds {Hostname}: set --public-hostname " +
                                        $"(GIPO_PUBLIC_HOSTNAME) to the address other nodes reach it at");
        if (Port is < 0 or > 65535) throw new ArgumentException($"port {Port} is outside 0..65535");
        if (string.IsNullOrWhiteSpace(ClusterName) || !ClusterName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"cluster name '{ClusterName}' must be letters, digits, '-' or '_'");
        foreach (var seed in Seeds ?? [])
        {
            var colon = seed.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], out var p) || p is <= 0 or > 65535)
                throw new ArgumentException($"seed '{seed}' is not host:port (e.g. 10.0.0.5:4053)");
        }
        return this;
    }
}
