namespace Gipo.Cluster.Coordination;

/// <summary>Where a group is in its life: Issued → (Generated →) Scored → Consumed, or Dropped from any of them.</summary>
public enum GroupState : byte
{
    Issued = 1,
    Generated = 2,
    Scored = 3,
    Consumed = 4,
    Dropped = 5,
}
