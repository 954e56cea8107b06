namespace Gipo.Bench.Processes;

/// <summary>One journal audit: what the ledger says at a moment of the run.</summary>
internal sealed record AuditSummary(long Step, long PolicyVersion, bool Finished, long Consumed, long ConsumedTwice, long Lost,
                                    long StalenessViolations,
    long Anomalies, long SamplerDiedReissued, long LeaseExpiredReissued, long Rollbacks, IReadOnlyList<string> Problems)
{
    public bool Clean => ConsumedTwice == 0 && Lost == 0 && StalenessViolations == 0 && Anomalies == 0;

    public override string ToString() =>
        $"step {Step} v{PolicyVersion}{(Finished ? " finished" : "")}, consumed {Consumed}, twice {ConsumedTwice}, lost {Lost}, " +
        $"stale {StalenessViolations}, " +
        $"anomalies {Anomalies}, re-issued (died {SamplerDiedReissued}, expired {LeaseExpiredReissued}), rollbacks {Rollbacks}";
}
