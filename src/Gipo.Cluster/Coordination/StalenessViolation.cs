namespace Gipo.Cluster.Coordination;

/// <summary>A group consumed with Δ = <paramref name="PolicyVersion"/> − <paramref name="MinVersion"/> &gt; η (§A.8 guard).</summary>
/// <param name="MaxStaleness">The bound η in force at <paramref name="LearnerStep"/> (live changes included).</param>
public sealed record StalenessViolation(long GroupId, long LearnerStep, long PolicyVersion, long MinVersion, long Staleness, int MaxStaleness,
                                        bool Undone);
