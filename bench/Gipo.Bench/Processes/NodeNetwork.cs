using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Gipo.Bench.Processes;

/// <summary>
/// A private network for chaos nodes so that node-to-node traffic can really be cut: a Linux bridge in the root
/// namespace with address 10.203.S.1/24, and one network namespace per node joined to it by a veth pair (the node
/// binds 10.203.S.N inside). The journal database stays reachable from every namespace through a
/// <see cref="TcpForwarder"/> on the bridge's address, also during a partition. A partition adds blackhole routes
/// in both halves' namespaces for the other half's addresses, so traffic is dropped both ways while every node
/// still reaches the bridge (the database); <see cref="Heal"/> removes them. Needs root (CAP_NET_ADMIN and
/// CAP_SYS_ADMIN for <c>ip netns</c>); <see cref="Create"/> fails with the reason otherwise. Names carry a random
/// id, so a leftover of a killed test cannot break a later one, and <see cref="Dispose"/> deletes the namespaces
/// (and with them the veths) and the bridge.
/// </summary>
internal sealed class NodeNetwork : IDisposable
{
    private readonly string id;
    private readonly int subnet;
    private readonly Dictionary<string, int> hosts = [];
    private readonly List<string> blackholes = [];
    private readonly TcpForwarder database;
    private bool bridgeCreated;

    private NodeNetwork(string id, int subnet, string postgres)
    {
        this.id = id;
        this.subnet = subnet;
        var target = new NpgsqlConnectionStringBuilder(postgres);
        Bridge = $"gpb{id}";
        try
        {
            Ip("link", "add", Bridge, "type", "bridge");
            bridgeCreated = true;
            Ip("addr", "add", $"{BridgeAddress}/24", "dev", Bridge);
            Ip("link", "set", Bridge, "up");
            database = new TcpForwarder(System.Net.IPAddress.Parse(BridgeAddress), target.Host ?? "127.0.0.1", target.Port);
        }
        catch
        {
            RemoveAll();
            throw;
        }
        // A `gipo-bench chaos` ended by SIGTERM or Ctrl+C runs no using blocks: remove the network on the way out then too.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        // The nodes reach the database at the bridge's address; the rest of the connection string is the caller's.
        NodePostgres = new NpgsqlConnectionStringBuilder(postgres) { Host = BridgeAddress, Port = database.Port }.ConnectionString;
    }

    /// <summary>The bridge device's name.</summary>
    public string Bridge { get; }

    /// <summary>The root namespace's address on the bridge (where the database is forwarded).</summary>
    public string BridgeAddress => $"10.203.{subnet}.1";

    /// <summary>The journal connection string as seen from inside a node's namespace.</summary>
    public string NodePostgres { get; }

    /// <summary>
    /// Makes the bridge and the database forwarder; throws <see cref="InvalidOperationException"/> saying that root
    /// (CAP_NET_ADMIN) is needed when <c>ip</c> cannot.
    /// </summary>
    public static NodeNetwork Create(string postgres)
    {
        var id = Random.Shared.Next(0x10000, 0xfffff).ToString("x5", CultureInfo.InvariantCulture);
        // A /24 no interface uses yet (another test's network, or a leftover).
        var used = Run("ip", ["-4", "-o", "addr", "show"]).Output;
        var free = Enumerable.Range(0, 256).OrderBy(_ => Random.Shared.Next())
            .FirstOrDefault(s => !used.Contains($" 10.203.{s}.", StringComparison.Ordinal), -1);
        if (free < 0) throw new InvalidOperationException("every 10.203.S.0/24 subnet is in use on this machine: delete leftover gpb* bridges");
        return new NodeNetwork(id, free, postgres);
    }

    /// <summary>The address of node <paramref name="name"/> (its namespace is made on first use).</summary>
    public string Host(string name)
    {
        if (!hosts.TryGetValue(name, out var n))
        {
            n = hosts[name] = hosts.Count + 2;
            var ns = Namespace(name);
            var veth = $"gpv{id}{n:x2}";
            var peer = $"gpp{id}{n:x2}";
            Ip("netns", "add", ns);
            Ip("link", "add", veth, "type", "veth", "peer", "name", peer);
            Ip("link", "set", peer, "netns", ns);
            Ip("link", "set", veth, "master", Bridge);
            Ip("link", "set", veth, "up");
            Ip("-n", ns, "addr", "add", $"10.203.{subnet}.{n}/24", "dev", peer);
            Ip("-n", ns, "link", "set", peer, "up");
            Ip("-n", ns, "link", "set", "lo", "up");
        }
        return $"10.203.{subnet}.{n}";
    }

    /// <summary>The network namespace node <paramref name="name"/> runs in.</summary>
    public string Namespace(string name) =>
        $"gipo-{id}-{(hosts.TryGetValue(name, out var n) ? n : throw new ArgumentException($"no namespace for node {name}"))}";

    /// <summary>
    /// Cuts all traffic between the nodes of <paramref name="left"/> and those of <paramref name="right"/>, both
    /// ways; each half keeps its own links and the database.
    /// </summary>
    public void Partition(IReadOnlyList<string> left, IReadOnlyList<string> right)
    {
        foreach (var (from, to) in left.SelectMany(l => right.Select(r => (l, r))).Concat(right.SelectMany(r => left.Select(l => (r, l)))))
        {
            Ip("-n", Namespace(from), "route", "add", "blackhole", $"{Host(to)}/32");
            blackholes.Add($"{from}\n{to}");
        }
    }

    /// <summary>Removes every cut <see cref="Partition"/> made.</summary>
    public void Heal()
    {
        foreach (var cut in blackholes.ToList())
        {
            var parts = cut.Split('\n');
            Ip("-n", Namespace(parts[0]), "route", "del", "blackhole", $"{Host(parts[1])}/32");
            blackholes.Remove(cut);
        }
    }

    /// <summary>Deletes the namespaces (their veths go with them), the bridge and the forwarder; best effort.</summary>
    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        database.Dispose();
        RemoveAll();
    }

    private void OnProcessExit(object? sender, EventArgs e) => RemoveAll();

    private void RemoveAll()
    {
        lock (hosts) RemoveAllLocked();
    }

    private void RemoveAllLocked()
    {
        foreach (var n in hosts.Values)
        {
            // Deleting the host end deletes the pair at once; a namespace (and a veth in it) would otherwise live on
            // until the last process in it, a node being killed right now, has exited.
            Run("ip", ["link", "del", $"gpv{id}{n:x2}"]);
            Run("ip", ["netns", "del", $"gipo-{id}-{n}"]);
        }
        hosts.Clear();
        if (bridgeCreated) Run("ip", ["link", "del", Bridge]);
        bridgeCreated = false;
    }

    private static void Ip(params string[] args)
    {
        var (code, output) = Run("ip", args);
        if (code != 0)
            throw new InvalidOperationException($"`ip {string.Join(' ', args)}` failed (exit {code}): {output.Trim()}\n" +
                                                "network partitions need root (CAP_NET_ADMIN and CAP_SYS_ADMIN for `ip netns`) and iproute2");
    }

    private static (int Code, string Output) Run(string file, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, $"cannot run {file}: {e.Message}");
        }
    }
}
