using System.Diagnostics;

namespace Gipo.Bench.Processes;

/// <summary>One <c>gipo node</c> child process and its log.</summary>
internal sealed class NodeProcess(string name, string roles, string host, int port, string log, Process process)
{
    private volatile bool up;

    public string Name { get; } = name;
    public string Roles { get; } = roles;
    public int Port { get; } = port;

    /// <summary>The address the node binds and advertises (127.0.0.1, or its network namespace's address).</summary>
    public string Host { get; } = host;
    public string Log { get; } = log;
    public Process Process { get; } = process;

    /// <summary>The node printed that it is a cluster member.</summary>
    public bool IsUp => up;

    public bool HasExited => Process.HasExited;

    /// <summary>How the ledger names this node's samplers (their actor paths carry the node's address).</summary>
    public string HolderMarker => $"@{Host}:{Port}/";

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the process to exit; once it has, also until its output readers have
    /// written the last lines to <see cref="Log"/> (<see cref="System.Diagnostics.Process.WaitForExit(TimeSpan)"/>
    /// alone returns before they have: a log read right after it can miss the node's error line).
    /// </summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!Process.WaitForExit(timeout)) return false;
        Process.WaitForExit();
        return true;
    }

    internal void MarkUp() => up = true;
}
