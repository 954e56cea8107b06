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

    internal void MarkUp() => up = true;
}
