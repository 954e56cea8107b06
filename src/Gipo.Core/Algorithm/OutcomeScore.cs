namespace Gipo.Core.Algorithm;

/// <summary>The verifier's verdict on one trajectory: reward R and success label y (§A.1).</summary>
public sealed record OutcomeScore(long TrajectoryId, double Reward, bool Success, string Reason);
