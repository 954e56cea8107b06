namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>Persisted state of a <see cref="TrustGate"/>: the AUROC EMA and how many batch AUROCs it has absorbed.</summary>
public sealed record TrustGateState(double AucEma, long Observations);
