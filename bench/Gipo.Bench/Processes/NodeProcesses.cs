using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gipo.Bench.Processes;

/// <summary>
/// <c>gipo node</c> processes on 127.0.0.1 for chaos runs: start with roles and a port, SIGKILL, restart on the same
/// port. Each node's standard output and error go to <c>&lt;name&gt;.N.log</c> in the work folder.
/// </summary>
internal sealed class NodeProcesses(string gipoDll, string workDir, IReadOnlyList<string> commonArgs) : IDisposable
{
    private readonly Dictionary<string, NodeProcess> nodes = [];
    private readonly Dictionary<string, int> incarnations = [];

    public IReadOnlyCollection<NodeProcess> All => nodes.Values;

    public NodeProcess this[string name] => nodes[name];

    /// <summary>A free TCP port on loopback (released before use: fine for tests on one machine).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts (or restarts, on the same port) node <paramref name="name"/>, on 127.0.0.1, or when
    /// <paramref name="network"/> is given in its own network namespace bound to its address there.
    /// </summary>
    public NodeProcess Start(string name, string roles, int port, NodeNetwork? network = null)
    {
        if (nodes.TryGetValue(name, out var old) && !old.HasExited) throw new InvalidOperationException($"node {name} is still running");
        var n = incarnations[name] = incarnations.GetValueOrDefault(name) + 1;
        var log = Path.Combine(workDir, $"{name}.{n}.log");
        var host = network?.Host(name) ?? "127.0.0.1";
        // `ip netns exec` execs dotnet in the namespace: the process id stays the node's, so signals reach it.
        var psi = new ProcessStartInfo(network is null ? "dotnet"
            : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        if (network is not null) foreach (var a in new[] { "netns", "exec", network.Namespace(name), "dotnet" }) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(gipoDll);
        psi.ArgumentList.Add("node");
        foreach (var a in new[] { "--roles", roles, "--port", port.ToString(), "--hostname", host }.Concat(commonArgs)) psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var writer = new StreamWriter(log) { AutoFlush = true };
        var node = new NodeProcess(name, roles, host, port, log, process);
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is null) return;
            lock (writer) writer.WriteLine(e.Data);
            if (e.Data.StartsWith("node: ", StringComparison.Ordinal) && e.Data.Contains(" up with roles ", StringComparison.Ordinal)) node.MarkUp();
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Exited += (_, _) => { lock (writer) writer.WriteLine($"[exit {process.ExitCode}]"); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        nodes[name] = node;
        return node;
    }

    /// <summary>SIGKILL: no shutdown hooks, no goodbye to the cluster; the others find out by missing heartbeats.</summary>
    public void Kill(string name)
    {
        var p = nodes[name].Process;
        if (p.HasExited) return;
        p.Kill(entireProcessTree: false);
        p.WaitForExit();
    }

    /// <summary>
    /// SIGSTOP (<paramref name="freeze"/>) or SIGCONT: a frozen node sends no heartbeats and renews no lease, like a
    /// long GC pause or a suspended VM, and when it resumes it still believes what it believed before (a zombie).
    /// </summary>
    public void Freeze(string name, bool freeze)
    {
        var p = nodes[name].Process;
        if (p.HasExited) throw new InvalidOperationException($"node {name} has exited");
        // Linux signal numbers (x86-64 and arm64 agree on these two).
        if (Kill(p.Id, freeze ? 19 : 18) != 0)
            throw new InvalidOperationException($"{(freeze ? "SIGSTOP" : "SIGCONT")} to node {name} (pid {p.Id}) failed: " +
                                                $"errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGTERM: the node's graceful leave (coordinated shutdown hands its singletons over).</summary>
    public void Terminate(string name)
    {
        var p = nodes[name].Process;
        if (p.HasExited) return;
        if (Kill(p.Id, 15) != 0)
            throw new InvalidOperationException($"SIGTERM to node {name} (pid {p.Id}) failed: " +
                                                $"errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Waits until <paramref name="name"/> says it is a member; false if it exited or the time ran out.</summary>
    public bool WaitUp(string name, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var node = nodes[name];
        while (!node.IsUp)
        {
            if (node.HasExited || DateTime.UtcNow > deadline) return false;
            Thread.Sleep(100);
        }
        return true;
    }

    /// <summary>Waits for every node to exit; the exit codes by name, or null for nodes still running at the deadline.</summary>
    public IReadOnlyDictionary<string, int?> WaitAllExit(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var node in nodes.Values)
        {
            var left = deadline - DateTime.UtcNow;
            if (left > TimeSpan.Zero) node.WaitForExit(left);
        }
        return nodes.ToDictionary(kv => kv.Key, kv => kv.Value.HasExited ? kv.Value.Process.ExitCode : (int?)null);
    }

    /// <summary>The last lines of a node's current log (for failure messages).</summary>
    public string Tail(string name, int lines = 15)
    {
        var path = nodes[name].Log;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var all = new StreamReader(stream).ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    /// <summary>
    /// What a failure report shows of node <paramref name="name"/>: the lines that say what went wrong (error lines and
    /// exception messages, the first <paramref name="errors"/> of them: a stack trace's tail alone hides its cause), then
    /// the last <paramref name="lines"/> lines.
    /// </summary>
    public string Digest(string name, int lines = 8, int errors = 12)
    {
        var path = nodes[name].Log;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var all = new StreamReader(stream).ReadToEnd().Split('\n');
        var failures = all.SkipLast(lines)
            .Where(l => l.StartsWith("error:", StringComparison.Ordinal) || l.Contains("[ERROR]", StringComparison.Ordinal)
                        || l.Contains("Exception: ", StringComparison.Ordinal))
            .Take(errors).ToList();
        return string.Join('\n', failures.Count == 0 ? all.TakeLast(lines) : [.. failures, "…", .. all.TakeLast(lines)]);
    }

    /// <summary>The last <paramref name="lines"/> lines of a node's log that contain <paramref name="text"/>.</summary>
    public string Mentions(string name, string text, int lines)
    {
        using var stream = new FileStream(nodes[name].Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return string.Join('\n', new StreamReader(stream).ReadToEnd().Split('\n')
            .Where(l => l.Contains(text, StringComparison.Ordinal)).TakeLast(lines));
    }

    public void Dispose()
    {
        foreach (var node in nodes.Values)
        {
            try
            {
                // A frozen process dies of SIGKILL too; SIGCONT first only so that nothing is left stopped if it fails.
                if (!node.HasExited) Kill(node.Process.Id, 18);
                if (!node.HasExited) node.Process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException) { } // exited meanwhile
            node.Process.Dispose();
        }
    }
}
