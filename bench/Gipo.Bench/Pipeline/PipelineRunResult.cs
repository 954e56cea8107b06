namespace Gipo.Bench.Pipeline;

/// <summary>One run of the pipeline benchmark, measured over the window from step 1's metrics line to step N − 1's.</summary>
/// <param name="WindowSteps">Learner steps inside the window (2 … N − 1).</param>
/// <param name="LedgerSamples">Samples the ledger counted in the window: consumed by the learner plus filtered by dynamic sampling.</param>
/// <param name="TrainedSamples">Samples of the groups the learner consumed in the window.</param>
/// <param name="GeneratedSamples">Samples the samplers generated in the window (some are still in flight at its end).</param>
/// <param name="LearnerWaitSeconds">Time the learner waited for its batches in the window.</param>
/// <param name="LearnerComputeSeconds">The learner's own step time (π_prox forward, PPO updates) in the window.</param>
/// <param name="LearnerOtherSeconds">The rest of the learner's steps: ledger and scheduler asks (with their journal writes), weight export and hash,
/// metrics.</param>
/// <param name="LoadAverage">The 1-minute load average when the run started (it still counts a run that just ended).</param>
/// <param name="OtherCpuFraction">CPU time of other processes during the window over (cores × window): other work on the machine.</param>
/// <param name="OwnCpuFraction">This process's CPU time during the window over (cores × window).</param>
public sealed record PipelineRunResult(
    int Eta, int Steps, int WindowSteps, double WindowSeconds, double TotalSeconds, long LedgerSamples, long TrainedSamples, long GeneratedSamples,
    long GeneratedTokens, double LearnerWaitSeconds, double LearnerComputeSeconds, double LearnerOtherSeconds, double StalenessMean,
    double StalenessMax,
    double? FinalPassAt1, double? LoadAverage, double? OtherCpuFraction, double OwnCpuFraction, MessagingReport Messaging, string Folder)
{
    /// <summary>End-to-end trajectories per second: the ledger's samples (consumed + filtered) over the window.</summary>
    public double LedgerSamplesPerSecond => WindowSeconds > 0 ? LedgerSamples / WindowSeconds : 0;

    /// <summary>Generated trajectories per second over the window.</summary>
    public double GeneratedSamplesPerSecond => WindowSeconds > 0 ? GeneratedSamples / WindowSeconds : 0;

    /// <summary>Window seconds per learner step.</summary>
    public double SecondsPerStep => WindowSteps > 0 ? WindowSeconds / WindowSteps : 0;

    /// <summary>The learner's waiting time over the window.</summary>
    public double LearnerIdleFraction => WindowSeconds > 0 ? LearnerWaitSeconds / WindowSeconds : 0;

    /// <summary>Messaging + serialization seconds of this one-process run (<see cref="MessagingReport.InProcessSeconds"/>) over the window.</summary>
    public double MessagingShareInProcess => WindowSeconds > 0 ? Messaging.InProcessSeconds / WindowSeconds : 0;

    /// <summary>Messaging + serialization seconds if every message crossed a node (<see cref="MessagingReport.TotalSeconds"/>) over the
    /// window.</summary>
    public double MessagingShare => WindowSeconds > 0 ? Messaging.TotalSeconds / WindowSeconds : 0;
}
