namespace Gipo.Bench.Chaos;

/// <summary>What became of one node that was signalled (SIGTERM, or SIGSTOP then SIGCONT) during a cluster run.</summary>
/// <param name="Node">The node's name in the run.</param>
/// <param name="SignalledAfterStep">The last learner step in the metrics log when the signal was sent.</param>
/// <param name="ExitCode">The node's exit code, or null when it had not exited by the deadline.</param>
/// <param name="ExitSeconds">Seconds from the (last) signal to the node's exit; NaN when it did not exit.</param>
/// <param name="Log">The node's log (its standard output and error), for its closing messages.</param>
internal sealed record SignalledNode(string Node, long SignalledAfterStep, int? ExitCode, double ExitSeconds, string Log);
