using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Gipo.Cluster.Runtime;
using Xunit.Abstractions;

namespace Gipo.Cluster.Tests.Runtime;

/// <summary>
/// Cluster Bootstrap over config discovery, two actor systems in one process on loopback: they find each other
/// through their management endpoints and form one cluster without seed nodes; the health routes answer.
/// </summary>
public sealed class ClusterManagementTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    // Shorter than the defaults (stable-margin 5 s, probe-interval 5 s) to keep the test quick on 2 shared cores.
    private static readonly Config Fast = ConfigurationFactory.ParseString("""
        akka.management.cluster.bootstrap {
          contact-point-discovery { stable-margin = 1s, interval = 500ms }
          contact-point.probe-interval = 1s
        }
        """);

    private static readonly Config Node = ConfigurationFactory.ParseString("""
        akka {
          loglevel = WARNING
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
          cluster.roles = [sampler]
          coordinated-shutdown { exit-clr = off, run-by-clr-shutdown-hook = off }
        }
        """);

    private readonly List<ActorSystem> systems = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var s in systems) await s.Terminate().WaitAsync(TimeSpan.FromSeconds(15));
    }

    private ActorSystem Start(ManagementOptions o, Config? extra = null)
    {
        var config = (extra ?? Config.Empty).WithFallback(Fast).WithFallback(ClusterManagement.Config(o)).WithFallback(Node);
        var system = ActorSystem.Create(TrainingNode.SystemName, config);
        systems.Add(system);
        return system;
    }

    private static ManagementOptions Options(int port, params int[] endpoints) => new(
        "127.0.0.1", port, ManagementOptions.ConfigDiscovery, "gipo", RequiredContactPoints: 2,
        ConfigEndpoints: endpoints.Select(p => $"127.0.0.1:{p}").ToList());

    [Fact(DisplayName = "Two nodes with config discovery and 2 required contact points form one cluster via bootstrap; /ready and /alive answer 200")]
    public async Task Two_nodes_bootstrap_one_cluster()
    {
        var (p1, p2) = (FreePort(), FreePort());
        var a = Start(Options(p1, p1, p2));
        var b = Start(Options(p2, p1, p2));
        var endpoints = await Task.WhenAll(ClusterManagement.StartAsync(a, Options(p1, p1, p2)), ClusterManagement.StartAsync(b, Options(p2, p1, p2)))
            .WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal([$"http://127.0.0.1:{p1}/", $"http://127.0.0.1:{p2}/"], endpoints.Select(e => e.SelfUri.ToString()));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(UpCount(a) == 2 && UpCount(b) == 2))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"no 2-member cluster within 30 s: a sees {Describe(a)}, b sees {Describe(b)}");
            await Task.Delay(200);
        }
        output.WriteLine($"a sees {Describe(a)}");
        Assert.Equal(Akka.Cluster.Cluster.Get(a).State.Leader, Akka.Cluster.Cluster.Get(b).State.Leader);

        foreach (var port in new[] { p1, p2 })
        {
            var ready = await Http.GetAsync($"http://127.0.0.1:{port}{ClusterManagement.ReadyPath}");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Up", (await ready.Content.ReadAsStringAsync()).Trim());
            Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://127.0.0.1:{port}{ClusterManagement.AlivePath}")).StatusCode);
        }
    }

    [Fact(DisplayName = "A node that cannot reach its required contact points stays out of any cluster: /alive 200, /ready 503 (bound to 0.0.0.0)")]
    public async Task Lone_node_is_alive_but_not_ready()
    {
        var (self, absent) = (FreePort(), FreePort());
        // Bound to every interface like in a container: any Host header (here "localhost") is answered.
        var o = Options(self, self, absent) with { BindHostname = "0.0.0.0" };
        var system = Start(o);
        await ClusterManagement.StartAsync(system, o).WaitAsync(TimeSpan.FromSeconds(15));
        await Task.Delay(TimeSpan.FromSeconds(3)); // past the stable margin: it must still not form a cluster alone

        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"http://localhost:{self}{ClusterManagement.AlivePath}")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Http.GetAsync($"http://127.0.0.1:{self}{ClusterManagement.ReadyPath}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"http://127.0.0.1:{self}/nothing")).StatusCode);
        Assert.Equal(0, UpCount(system));
        var seeds = await Http.GetStringAsync($"http://127.0.0.1:{self}{ClusterManagement.SeedNodesPath}");
        Assert.Contains("\"Nodes\":[]", seeds); // no members to offer as seeds yet
    }

    [Fact(DisplayName = "Seed nodes together with discovery are refused instead of silently skipping bootstrap")]
    public async Task Seeds_and_discovery_are_refused()
    {
        var port = FreePort();
        var o = Options(port, port, FreePort());
        var system = Start(o, ConfigurationFactory.ParseString("akka.cluster.seed-nodes = [\"akka.tcp://gipo@127.0.0.1:4053\"]"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ClusterManagement.StartAsync(system, o));
        Assert.Contains("--seed or --discovery", e.Message);
    }

    [Fact(DisplayName = "A management port already in use fails the start with a message naming the option")]
    public async Task Port_in_use_is_reported()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var o = Options(port, port, FreePort());
        var system = Start(o);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ClusterManagement.StartAsync(system, o));
        Assert.Contains("GIPO_MANAGEMENT_PORT", e.Message);
    }

    public static TheoryData<ManagementOptions, string> Invalid => new()
    {
        { new("0.0.0.0", 8558, "config", "gipo", 1, ["a:8558"]), "GIPO_PUBLIC_HOSTNAME" },
        { new("n1", 0, "config", "gipo", 1, ["a:8558"]), "GIPO_MANAGEMENT_PORT" },
        { new("n1", 8558, "dns", "gipo", 1, ["a:8558"]), "GIPO_DISCOVERY" },
        { new("n1", 8558, "config", "gipo", 1, []), "GIPO_DISCOVERY_ENDPOINTS" },
        { new("n1", 8558, "config", "gipo", 1, ["n1"]), "not host:managementPort" },
        { new("n1", 8558, "config", "gipo", 1, ["n1:99999"]), "not host:managementPort" },
        { new("n1", 8558, "config", "gipo", 3, ["n1:8558", "n2:8558"]), "could never form" },
        { new("n1", 8558, "config", "gipo", 0, ["n1:8558"]), "GIPO_REQUIRED_CONTACT_POINTS" },
        { new("n1", 8558, "kubernetes-api", "", 2, []), "GIPO_DISCOVERY_SERVICE" },
        { new("n1", 8558, "kubernetes-api", "gipo", 2, ["n1:8558"]), "config' discovery only" },
    };

    [Theory(DisplayName = "Invalid management options fail with a message naming the option")]
    [MemberData(nameof(Invalid))]
    public void Invalid_options_name_the_option(ManagementOptions o, string fragment) =>
        Assert.Contains(fragment, Assert.Throws<ArgumentException>(() => ClusterManagement.Config(o)).Message);

    [Fact(DisplayName = "kubernetes-api discovery: pods by label app=<service>, contact port by its name")]
    public void Kubernetes_config()
    {
        var c = ClusterManagement.Config(new ManagementOptions("10.1.2.3", 8558, "kubernetes-api", "gipo", 2, [], BindHostname: "0.0.0.0"));
        Assert.Equal("kubernetes-api", c.GetString("akka.discovery.method"));
        Assert.Equal("app={0}", c.GetString("akka.discovery.kubernetes-api.pod-label-selector"));
        Assert.Equal("management", c.GetString("akka.management.cluster.bootstrap.contact-point-discovery.port-name"));
        Assert.Equal("0.0.0.0", c.GetString("akka.management.http.bind-hostname"));
        Assert.Equal(8558, c.GetInt("akka.management.cluster.bootstrap.contact-point.fallback-port"));
        Assert.False(c.HasPath("akka.discovery.config.services"));
    }

    private static int UpCount(ActorSystem s) => Akka.Cluster.Cluster.Get(s).State.Members.Count(m => m.Status == MemberStatus.Up);

    private static string Describe(ActorSystem s) =>
        "[" + string.Join(", ", Akka.Cluster.Cluster.Get(s).State.Members.Select(m => $"{m.Address.Port}:{m.Status}")) + "]";

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
