namespace Gipo.Cluster.Coordination;

/// <summary>A prompt slot trained more than once: two or more consumptions still in effect after every rollback.</summary>
public sealed record DoubleConsumption(long Sequence, IReadOnlyList<Consumption> Consumptions);
