using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Gipo.Cluster.Runtime;

namespace Gipo.Cluster.Tests.Runtime;

/// <summary>
/// The management endpoint on its own (a local actor system, no bootstrap): start-up while peers already probe the
/// port, and the HTTP answers a bootstrap prober or a health check relies on.
/// </summary>
public sealed class ManagementEndpointTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly ActorSystem system = ActorSystem.Create("management-endpoint", ConfigurationFactory.ParseString("akka.loglevel = WARNING"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => system.Terminate().WaitAsync(TimeSpan.FromSeconds(15));

    private static ManagementOptions Options(int port, string? bind = null) =>
        new("127.0.0.1", port, ManagementOptions.ConfigDiscovery, "gipo", 1, [$"127.0.0.1:{port}"], BindHostname: bind);

    // The managed HttpListener accepted its first connection before its endpoint listener was fully built when a
    // client was already waiting: Start (and Stop/Close, which re-bound the port) threw ArgumentNullException and
    // left the port bound by a dead socket. Bootstrap probes from other nodes are exactly such waiting clients.
    [Fact(DisplayName = "Starting and stopping the endpoint 200+ times while clients keep connecting to its port never fails; it then answers")]
    public async Task Start_and_stop_survive_connects_during_start_up()
    {
        var port = FreePort();
        using var stop = new CancellationTokenSource();
        var (attempts, connects) = (0, 0);
        var hammers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref attempts);
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await client.ConnectAsync(IPAddress.Loopback, port, stop.Token);
                    Interlocked.Increment(ref connects);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    // Refused between two starts, or the test is done: keep probing like a peer would.
                }
            }
        })).ToArray();

        // Both clients must be probing before the first start, or the loop may be over before they are scheduled.
        while (Volatile.Read(ref attempts) < 100) await Task.Delay(10);
        var watch = Stopwatch.StartNew();
        try
        {
            // At least 200 rounds, and more (up to 10 s) until the clients got in 200 times: on a busy machine they
            // may be scheduled so rarely that 200 quick rounds see hardly a connect.
            for (var i = 0; i < 200 || (Volatile.Read(ref connects) < 200 && watch.Elapsed < TimeSpan.FromSeconds(10)); i++)
            {
                try
                {
                    await ManagementEndpoint.Start(system, Options(port)).DisposeAsync();
                }
                catch (Exception e)
                {
                    Assert.Fail($"start/stop {i} failed after {watch.ElapsedMilliseconds} ms: {e}");
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(hammers);
        }
        Assert.True(connects > 0, "the clients never reached the port");

        await using var endpoint = ManagementEndpoint.Start(system, Options(port));
        var alive = await Http.GetAsync($"http://127.0.0.1:{port}{ClusterManagement.AlivePath}");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    public static TheoryData<string, string> Requests => new()
    {
        { "GET /alive HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK" },
        { "GET /alive?probe=1 HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK" },
        { "GET http://node-7:1234/alive HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK" },
        { "GET /nothing HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found" },
        { "POST /alive HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 405 Method Not Allowed" },
        { "hello\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "GET /alive SPDY/3\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "GET /alive HTTP/1.1\r\nX: " + new string('a', 9000) + "\r\n\r\n", "HTTP/1.1 431 Request Header Fields Too Large" },
        // Needs the cluster provider, which this system lacks: the error is answered, not a dropped connection.
        { "GET /ready HTTP/1.1\r\n\r\n", "HTTP/1.1 500 Internal Server Error" },
    };

    [Theory(DisplayName = "Raw requests get a status line, Content-Length and Connection: close; bad ones a 4xx")]
    [MemberData(nameof(Requests))]
    public async Task Raw_requests_are_answered(string request, string statusLine)
    {
        var port = FreePort();
        await using var endpoint = ManagementEndpoint.Start(system, Options(port));
        var response = await ExchangeAsync(port, Encoding.ASCII.GetBytes(request));
        Assert.StartsWith(statusLine + "\r\n", response);
        Assert.Contains("\r\nConnection: close\r\n", response);
        var blank = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var (head, body) = (response[..blank], response[(blank + 4)..]);
        Assert.Contains($"\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}", head);
    }

    [Fact(DisplayName = "HEAD answers the GET headers without a body; a request head split over several writes is read whole")]
    public async Task Head_and_split_requests()
    {
        var port = FreePort();
        await using var endpoint = ManagementEndpoint.Start(system, Options(port));
        var head = await ExchangeAsync(port, "HEAD /alive HTTP/1.1\r\n\r\n"u8.ToArray());
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Contains("\r\nContent-Length: 6\r\n", head);
        Assert.EndsWith("\r\n\r\n", head);

        // The blank line that ends the head arrives split: "\r\n\r" then "\n".
        var split = await ExchangeAsync(port, "GET /alive HTTP/1.1\r\nHost: x\r\n\r"u8.ToArray(), "\n"u8.ToArray());
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", split);
        Assert.EndsWith("\r\n\r\nalive\n", split);
    }

    [Fact(DisplayName = "A specific bind address answers any Host header; a silent client holds no other request up; stopping is prompt")]
    public async Task Specific_bind_silent_client_and_stop()
    {
        var port = FreePort();
        var endpoint = ManagementEndpoint.Start(system, Options(port, bind: "127.0.0.1"));
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(IPAddress.Loopback, port);

        var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{ClusterManagement.AlivePath}");
        request.Headers.Host = "some-other-name";
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(request)).StatusCode);

        var watch = Stopwatch.StartNew();
        await endpoint.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        // The silent client's connection was dropped, and the port is free again.
        Assert.Equal(0, await silent.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5)));
        using var again = new TcpListener(IPAddress.Loopback, port);
        again.Start();
    }

    private static async Task<string> ExchangeAsync(int port, params byte[][] writes)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, port);
        foreach (var write in writes)
        {
            await client.SendAsync(write, SocketFlags.None);
            await Task.Delay(50); // separate segments, so the server sees separate reads
        }
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0) received.Write(buffer, 0, read);
        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
