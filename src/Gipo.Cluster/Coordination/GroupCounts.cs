namespace Gipo.Cluster.Coordination;

/// <summary>Groups by state. <see cref="Consumed"/> is net of rollbacks; <see cref="Dropped"/> is the sum of <see cref="DropCounts"/>.</summary>
public readonly record struct GroupCounts(long Issued, long Generated, long Scored, long Consumed, long Dropped);
