namespace Gipo.Cluster.Coordination;

/// <summary>What happened to a reported result.</summary>
public enum ResultOutcome : byte
{
    /// <summary>Scored and waiting for a batch.</summary>
    Accepted = 1,

    /// <summary>Scored but not informative under dynamic sampling: dropped.</summary>
    Filtered = 2,

    /// <summary>Already counted, or for a group that is no longer active (re-issued, dropped, consumed): no effect.</summary>
    Ignored = 3,

    /// <summary>Malformed for this run (wrong group size, a version newer than the learner's): no effect.</summary>
    Rejected = 4,
}
