namespace Gipo.Cluster.Fencing;

/// <summary>One row of the journal database's lease table: who holds a lease, until when, under which epoch.</summary>
/// <param name="Holder">The holder's identity, <c>host:port#incarnation</c> (<see cref="LeaseHolderId"/>).</param>
/// <param name="ExpiresMs">When the lease ends unless renewed, in milliseconds since the Unix epoch by the database's clock.</param>
/// <param name="Epoch">The fencing token: raised by one every time the lease passes to another holder incarnation, never lowered.</param>
public sealed record LeaseRecord(string Holder, long ExpiresMs, long Epoch)
{
    /// <summary>Whether the lease is still in force at <paramref name="nowMs"/>.</summary>
    public bool LiveAt(long nowMs) => ExpiresMs > nowMs;
}
