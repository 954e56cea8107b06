namespace Gipo.Cluster.Fencing;

/// <summary>
/// A lease holder's identity: the node's <c>host:port</c> (what Akka's singleton manager names as the lease's owner)
/// and a random incarnation, so a restarted process on the same address is a new holder with a new epoch.
/// </summary>
public static class LeaseHolderId
{
    private const char Separator = '#';

    /// <summary>The identity of incarnation <paramref name="incarnation"/> of the node at <paramref name="owner"/>.</summary>
    public static string Of(string owner, string incarnation) => $"{owner}{Separator}{incarnation}";

    /// <summary>The <c>host:port</c> part of <paramref name="holder"/>.</summary>
    public static string Owner(string holder)
    {
        var at = holder.LastIndexOf(Separator);
        return at < 0 ? holder : holder[..at];
    }
}
