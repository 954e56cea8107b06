using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using Akka.Util;
using Gipo.Cluster.Runtime;
using Xunit.Abstractions;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Gipo.Cluster.Tests.Runtime;

/// <summary>
/// Remoting TLS between two cluster actor systems in one process, over real sockets on 127.0.0.1 with certificates
/// made here: nodes holding the cluster's certificate (or one signed by the cluster's CA) join and talk; a node with
/// another certificate, without TLS, with no client certificate, or with another actor-system name does not join.
/// </summary>
public sealed class TransportSecurityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Rejected = "TLS: rejected the certificate";
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(10);
    // After the refusal shows in the log: long enough for the joiner's retries (every 2 s below) to have failed too.
    private static readonly TimeSpan StillOut = TimeSpan.FromSeconds(4);

    private readonly string dir = Directory.CreateTempSubdirectory("gipo-tls-").FullName;
    private readonly List<ActorSystem> systems = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try { await Task.WhenAll(systems.Select(s => s.Terminate())).WaitAsync(TimeSpan.FromSeconds(15)); }
        catch (TimeoutException) { output.WriteLine("actor systems did not terminate within 15 s"); }
        try { Directory.Delete(dir, true); }
        catch (IOException) { } // best effort
    }

    [Fact]
    public async Task Nodes_with_the_cluster_certificate_join_and_exchange_messages()
    {
        var tls = new TlsOptions(WritePfx(SelfSigned("gipo-cluster"), "cluster.p12", "s3cret"), "s3cret");
        var (a, aLog) = Node("gipo", tls);
        var (b, _) = Node("gipo", tls);
        var address = await Seed(a);
        Assert.Equal("akka.ssl.tcp", address.Protocol);

        AkkaCluster.Get(b).Join(address);
        await JoinedAsync(a, b);

        a.ActorOf(Props.Create(() => new Echo()), "echo");
        var reply = await b.ActorSelection(new RootActorPath(address) / "user" / "echo").Ask<string>("ping", TimeSpan.FromSeconds(5));
        Assert.Equal("pong from gipo", reply);
        Assert.DoesNotContain(aLog, l => l.Contains(Rejected));
    }

    [Fact]
    public async Task Nodes_with_their_own_certificates_from_the_cluster_CA_join()
    {
        var ca = CertificateAuthority("gipo-ca");
        var caPath = WritePem(ca, "ca.crt");
        var (a, _) = Node("gipo", new TlsOptions(WritePfx(IssuedBy(ca, "node-a"), "a.p12", null), null, caPath));
        var (b, _) = Node("gipo", new TlsOptions(WritePfx(IssuedBy(ca, "node-b"), "b.p12", null), null, caPath));
        var address = await Seed(a);

        AkkaCluster.Get(b).Join(address);
        await JoinedAsync(a, b);
    }

    [Fact]
    public async Task A_node_with_another_certificate_cannot_join()
    {
        var (a, aLog) = Node("gipo", new TlsOptions(WritePfx(SelfSigned("gipo-cluster"), "cluster.p12", null)));
        var (b, bLog) = Node("gipo", new TlsOptions(WritePfx(SelfSigned("gipo-cluster"), "impostor.p12", null)));
        var address = await Seed(a);

        AkkaCluster.Get(b).Join(address);
        // The joiner's client side sees the server's certificate first and refuses it.
        await RefusedAsync(a, b, () => aLog.Concat(bLog).Any(l => l.Contains(Rejected) && l.Contains("not the cluster's certificate")));
    }

    /// <summary>
    /// The joiner trusts anything (plain Akka HOCON, <c>suppress-validation = on</c>): the refusal has to come from the
    /// seed checking the client's certificate (mutual TLS), and does.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_seed_refuses_a_client_that_trusts_anything(bool presentsCertificate)
    {
        var (a, aLog) = Node("gipo", new TlsOptions(WritePfx(SelfSigned("gipo-cluster"), "cluster.p12", null)));
        var impostor = WritePfx(SelfSigned("gipo-cluster"), "impostor.p12", null);
        var (b, _) = Node("gipo", null, ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp {
              enable-ssl = on
              ssl {
                certificate.path = {{Quote(impostor)}}
                suppress-validation = on
                require-mutual-authentication = {{(presentsCertificate ? "on" : "off")}}
              }
            }
            """));
        var address = await Seed(a);

        AkkaCluster.Get(b).Join(address);
        var expected = presentsCertificate ? Rejected : "did not provide a certificate";
        await RefusedAsync(a, b, () => aLog.Any(l => l.Contains(expected)));
    }

    [Fact]
    public async Task A_node_signed_by_another_CA_cannot_join()
    {
        var ca = CertificateAuthority("gipo-ca");
        var other = CertificateAuthority("gipo-ca"); // same name, different key
        var (a, aLog) = Node("gipo", new TlsOptions(WritePfx(IssuedBy(ca, "node-a"), "a.p12", null), null, WritePem(ca, "ca.crt")));
        var (b, bLog) = Node("gipo", new TlsOptions(WritePfx(IssuedBy(other, "node-b"), "b.p12", null), null, WritePem(other, "other-ca.crt")));
        var address = await Seed(a);

        AkkaCluster.Get(b).Join(address);
        await RefusedAsync(a, b, () => aLog.Concat(bLog).Any(l => l.Contains(Rejected)));
    }

    [Fact]
    public async Task A_node_without_TLS_cannot_join_a_TLS_node()
    {
        var (a, aLog) = Node("gipo", new TlsOptions(WritePfx(SelfSigned("gipo-cluster"), "cluster.p12", null)));
        var (b, _) = Node("gipo", null);
        var address = await Seed(a);

        // Through the TLS node's port with the plain scheme (with akka.ssl.tcp the plain node refuses the protocol).
        AkkaCluster.Get(b).Join(new Address("akka.tcp", address.System, address.Host, address.Port));
        await RefusedAsync(a, b, () => aLog.Any(l => l.Contains("not an SSL/TLS record")));
    }

    [Fact]
    public async Task A_node_with_another_system_name_cannot_join()
    {
        var tls = new TlsOptions(WritePfx(SelfSigned("gipo-cluster"), "cluster.p12", null));
        var (a, aLog) = Node("gipo", tls);
        var (b, bLog) = Node("other", tls);
        var address = await Seed(a);

        // The joiner's own daemon refuses...
        AkkaCluster.Get(b).Join(address);
        await Until(() => bLog.Any(l => l.Contains("wrong ActorSystem name")), LogTimeout, "the joiner to refuse the other system name");
        // ...and so does the seed when the Join arrives anyway (forged: the message type is internal to Akka.Cluster).
        var joinType = typeof(Akka.Cluster.Cluster).Assembly.GetType("Akka.Cluster.InternalClusterAction+Join", throwOnError: true)!;
        var join = Activator.CreateInstance(joinType, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null,
            [AkkaCluster.Get(b).SelfUniqueAddress, ImmutableHashSet<string>.Empty, AppVersion.Zero], null)!;
        b.ActorSelection(new RootActorPath(address) / "system" / "cluster" / "core" / "daemon").Tell(join);
        await RefusedAsync(a, b, () => aLog.Any(l => l.Contains("Member with wrong ActorSystem name tried to join")));
    }

    [Fact]
    public void No_options_is_no_configuration()
    {
        Assert.True(TransportSecurity.Config(null).IsEmpty);
        Assert.Null(TransportSecurity.SslSetup(null));
    }

    [Fact]
    public void The_configuration_turns_on_mutual_TLS()
    {
        var config = TransportSecurity.Config(new TlsOptions(WritePfx(SelfSigned("n"), "n.p12", "pw"), "pw"));
        Assert.True(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.True(config.GetBoolean("akka.remote.dot-netty.tcp.ssl.require-mutual-authentication"));
        Assert.False(config.GetBoolean("akka.remote.dot-netty.tcp.ssl.suppress-validation"));
    }

    [Fact]
    public void The_configuration_without_the_setup_does_not_start_unauthenticated()
    {
        var config = TransportSecurity.Config(new TlsOptions(WritePfx(SelfSigned("n"), "n.p12", null)))
            .WithFallback(ConfigurationFactory.ParseString("""
                akka { loglevel = OFF, stdout-loglevel = OFF, loggers = [], actor.provider = cluster }
                akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
                """));
        var e = Assert.ThrowsAny<Exception>(() => systems.Add(ActorSystem.Create("gipo", config)));
        Assert.Contains("Path to SSL certificate was not found", e.ToString());
    }

    [Fact]
    public void A_missing_certificate_file_is_named()
    {
        var path = Path.Combine(dir, "missing.p12");
        var e = Assert.Throws<TlsConfigurationException>(() => TransportSecurity.Config(new TlsOptions(path)));
        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void A_wrong_password_is_reported()
    {
        var path = WritePfx(SelfSigned("n"), "n.p12", "right");
        var e = Assert.Throws<TlsConfigurationException>(() => TransportSecurity.Config(new TlsOptions(path, "wrong")));
        Assert.Contains(path, e.Message);
        Assert.Contains("wrong password", e.Message);
    }

    [Fact]
    public void A_certificate_without_its_private_key_is_reported()
    {
        using var withKey = SelfSigned("n");
        using var publicOnly = X509CertificateLoader.LoadCertificate(withKey.RawData);
        var path = Path.Combine(dir, "public.p12");
        File.WriteAllBytes(path, publicOnly.Export(X509ContentType.Pkcs12));
        var e = Assert.Throws<TlsConfigurationException>(() => TransportSecurity.Config(new TlsOptions(path)));
        Assert.Contains(path, e.Message);
        Assert.Contains("no private key", e.Message);
    }

    [Fact]
    public void A_PEM_certificate_instead_of_PKCS12_is_reported()
    {
        var path = WritePem(SelfSigned("n"), "n.crt");
        var e = Assert.Throws<TlsConfigurationException>(() => TransportSecurity.Config(new TlsOptions(path)));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a PKCS#12 file", e.Message);
    }

    [Fact]
    public void A_certificate_not_signed_by_the_CA_is_reported()
    {
        var caPath = WritePem(CertificateAuthority("gipo-ca"), "ca.crt");
        var path = WritePfx(IssuedBy(CertificateAuthority("gipo-ca"), "n"), "n.p12", null);
        var e = Assert.Throws<TlsConfigurationException>(() => TransportSecurity.Config(new TlsOptions(path, null, caPath)));
        Assert.Contains(path, e.Message);
        Assert.Contains("is not signed by the CA", e.Message);
    }

    [Fact]
    public void The_options_come_from_the_environment_without_showing_the_password()
    {
        var variables = new Dictionary<string, string?>
        {
            [TlsOptions.CertificateVariable] = "/etc/gipo/node.p12",
            [TlsOptions.PasswordVariable] = "hunter2",
        };
        var tls = TlsOptions.FromEnvironment(v => variables.GetValueOrDefault(v));
        Assert.Equal(new TlsOptions("/etc/gipo/node.p12", "hunter2"), tls);
        Assert.DoesNotContain("hunter2", tls!.ToString());
        Assert.Null(TlsOptions.FromEnvironment(_ => null));
        Assert.Null(TlsOptions.FromEnvironment(v => v == TlsOptions.CertificateVariable ? " " : null));
    }

    private (ActorSystem System, ConcurrentQueue<string> Log) Node(string name, TlsOptions? tls, Config? extra = null)
    {
        var config = (extra ?? Config.Empty).WithFallback(ConfigurationFactory.ParseString("""
            akka {
              loglevel = WARNING
              # Only the collector below (the test output): no console logger.
              loggers = []
              stdout-loglevel = OFF
              log-dead-letters = off
              actor.provider = cluster
              remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
              remote.retry-gate-closed-for = 1 s
              cluster {
                log-info = off
                retry-unsuccessful-join-after = 2 s
                jmx.enabled = off
              }
              coordinated-shutdown.exit-clr = off
              coordinated-shutdown.run-by-clr-shutdown-hook = off
            }
            """));
        var system = ActorSystem.Create(name, TransportSecurity.SystemSetup(config, tls));
        systems.Add(system);
        var log = new ConcurrentQueue<string>();
        var collector = system.ActorOf(Props.Create(() => new LogCollector(log, output, name)));
        system.EventStream.Subscribe(collector, typeof(LogEvent));
        return (system, log);
    }

    private static async Task<Address> Seed(ActorSystem system)
    {
        var cluster = AkkaCluster.Get(system);
        cluster.Join(cluster.SelfAddress);
        await Until(() => cluster.SelfMember.Status == MemberStatus.Up, JoinTimeout, "the seed to be up");
        return cluster.SelfAddress;
    }

    private static Task JoinedAsync(ActorSystem a, ActorSystem b) =>
        Until(() => UpCount(a) == 2 && UpCount(b) == 2, JoinTimeout, "both nodes to see two members up");

    /// <summary>Waits for the refusal to show in the log, then a little longer, and checks nobody joined.</summary>
    private static async Task RefusedAsync(ActorSystem a, ActorSystem b, Func<bool> logShowsRefusal)
    {
        await Until(logShowsRefusal, LogTimeout, "the refusal in the log");
        await Task.Delay(StillOut);
        Assert.Equal(1, UpCount(a));
        Assert.Equal(AkkaCluster.Get(a).SelfAddress, Assert.Single(AkkaCluster.Get(a).State.Members).Address);
        Assert.NotEqual(MemberStatus.Up, AkkaCluster.Get(b).SelfMember.Status);
    }

    private static int UpCount(ActorSystem system) => AkkaCluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up);

    private static async Task Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            await Task.Delay(100);
        }
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 CertificateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));
    }

    private static X509Certificate2 IssuedBy(X509Certificate2 ca, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var issued =
            request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(12));
        return issued.CopyWithPrivateKey(key);
    }

    private string WritePfx(X509Certificate2 certificate, string name, string? password)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        certificate.Dispose();
        return path;
    }

    private string WritePem(X509Certificate2 certificate, string name)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    private static string Quote(string path) => "\"" + path.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private sealed class Echo : ReceiveActor
    {
        public Echo() => Receive<string>(m => Sender.Tell($"pong from {Context.System.Name}"));
    }

    private sealed class LogCollector : ReceiveActor
    {
        public LogCollector(ConcurrentQueue<string> log, ITestOutputHelper output, string node) =>
            Receive<LogEvent>(e =>
            {
                var line = $"[{node}] {e.LogLevel()} {e.LogSource}: {e.Message}{(e.Cause is null ? "" : " | " + e.Cause.Message)}";
                log.Enqueue(line);
                try { output.WriteLine(line); }
                catch (InvalidOperationException) { } // after the test ended
            });
    }
}
