namespace Gipo.Cluster.Coordination;

/// <summary>Why a group ended without training. The numeric values are journaled: never renumber.</summary>
public enum DropReason : byte
{
    /// <summary>Δ_g &gt; η at consumption (§A.8 guard); the prompt goes back to the head of the queue.</summary>
    Stale = 1,

    /// <summary>Not informative under dynamic sampling (§A.7); the prompt is not retried.</summary>
    Filtered = 2,

    /// <summary>The lease passed its deadline; the same prompt and seed are issued again.</summary>
    LeaseExpiredReissued = 3,

    /// <summary>The holder terminated (DeathWatch); the same prompt and seed are issued again at once.</summary>
    SamplerDiedReissued = 4,

    /// <summary>Undone by a resume: in flight, buffered and lost, or decided after the checkpoint resumed from.</summary>
    ResumedRollback = 5,
}
