using Gipo.Cluster.Runtime;

namespace Gipo.Cli;

/// <summary>The exit codes of <c>gipo</c> (README, "Exit codes"): one per way a command can end.</summary>
internal static class ExitCodes
{
    /// <summary>
    /// Done: the run finished (or the command did what it was asked); for <c>gipo node</c> also a leave on request
    /// (SIGTERM, Ctrl+C) whose learner hand-over committed its checkpoint, or of a node that hosted no learner.
    /// </summary>
    public const int Ok = 0;

    /// <summary>Refused before starting: bad input, a config that does not parse, a run in use, a damaged journal.</summary>
    public const int BadInput = 1;

    /// <summary>The run failed: the learner could not start, or a fault that would only repeat (disk full, …).</summary>
    public const int Failed = 2;

    /// <summary>The native library (libtorch) could not be loaded.</summary>
    public const int Native = 3;

    /// <summary><c>gipo status</c>: the journal audit found a problem.</summary>
    public const int AuditProblem = 4;

    /// <summary>
    /// Stopped on request (SIGTERM, Ctrl+C) with work not handed over: <c>gipo train</c> (continue with
    /// <c>--resume</c>), or a <c>gipo node</c> whose learner hand-over failed or had no standby to go to.
    /// </summary>
    public const int Stopped = 5;

    /// <summary><c>gipo node</c>: the cluster downed this node (unreachable for too long) without it asking to leave.</summary>
    public const int Downed = 6;

    /// <summary>The exit code of a run that ended with <paramref name="ending"/> (<c>gipo node</c> maps a leave on request by its
    /// hand-over).</summary>
    public static int For(RunEnding ending) => ending switch
    {
        RunEnding.Finished => Ok,
        RunEnding.LeftOnRequest => Stopped,
        RunEnding.Downed => Downed,
        _ => Failed,
    };
}
