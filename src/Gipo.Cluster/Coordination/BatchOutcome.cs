namespace Gipo.Cluster.Coordination;

/// <summary>How a request for a batch ended.</summary>
public enum BatchOutcome : byte
{
    /// <summary>B groups are consumed at the step.</summary>
    Ready = 1,

    /// <summary>Too few usable groups yet; drops found on the way are still recorded.</summary>
    NotEnough = 2,

    /// <summary>The request does not fit the ledger (not the next step, run finished).</summary>
    Rejected = 3,
}
