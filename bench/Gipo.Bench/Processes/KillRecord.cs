namespace Gipo.Bench.Processes;

/// <summary>One SIGKILL of a chaos run and the journal audit after it.</summary>
/// <param name="How">The fault: SIGKILL, SIGTERM (a graceful leave) or SIGSTOP (a freeze past the resolver, then SIGCONT).</param>
internal sealed record KillRecord(int Index, string Node, string Roles, double AtSeconds, long LoggedStep, bool HeldLeases, AuditSummary Audit,
                                  string How = "SIGKILL");
