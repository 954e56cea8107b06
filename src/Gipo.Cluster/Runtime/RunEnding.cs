namespace Gipo.Cluster.Runtime;

/// <summary>Why a node's part in a run ended (<see cref="RunOutcome.Ending"/>); the CLI maps each to its own exit code.</summary>
public enum RunEnding
{
    /// <summary>The run failed (the learner could not start, or a fault that would only repeat).</summary>
    Failed = 0,

    /// <summary>The run reached its target step and committed its last checkpoint.</summary>
    Finished,

    /// <summary>This node was asked to stop (SIGTERM, Ctrl+C, a shutdown of the process) and left the cluster.</summary>
    LeftOnRequest,

    /// <summary>The cluster removed this node without being asked (downed as unreachable by the split-brain resolver).</summary>
    Downed,
}
