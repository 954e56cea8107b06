namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>Mean scaled IB credit Ā^IB of failing and of succeeding trajectories; null where there are none.</summary>
public sealed record IbCreditSplit(double? Failing, double? Succeeding);
