using System.Net;
using System.Net.Sockets;

namespace Gipo.Bench.Processes;

/// <summary>
/// Forwards every TCP connection accepted on an address to a fixed target, byte for byte both ways: it lets nodes in
/// network namespaces reach a database that listens on the root namespace's loopback only (the throwaway server of
/// <c>./test.sh</c> does), without changing the server's listen addresses or its host-based authentication (the
/// server sees connections from 127.0.0.1).
/// </summary>
internal sealed class TcpForwarder : IDisposable
{
    private readonly TcpListener listener;
    private readonly string targetHost;
    private readonly int targetPort;
    private readonly CancellationTokenSource stop = new();

    /// <summary>Listens on <paramref name="address"/> (a free port) and forwards to
    /// <paramref name="targetHost"/>:<paramref name="targetPort"/>.</summary>
    public TcpForwarder(IPAddress address, string targetHost, int targetPort)
    {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        listener = new TcpListener(address, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptAsync);
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var target = new TcpClient())
        {
            try
            {
                client.NoDelay = true;
                target.NoDelay = true;
                await target.ConnectAsync(targetHost, targetPort, stop.Token);
                var a = client.GetStream();
                var b = target.GetStream();
                // When either side ends, both connections close (the using blocks), which ends the other copy.
                await Task.WhenAny(a.CopyToAsync(b, stop.Token), b.CopyToAsync(a, stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A connection that failed or was reset ends here; the client sees it closed, as with a real server.
            }
        }
    }

    /// <summary>Stops listening and closes every forwarded connection.</summary>
    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        stop.Dispose();
    }
}
