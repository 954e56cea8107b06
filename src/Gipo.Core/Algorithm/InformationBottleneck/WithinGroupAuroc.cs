namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>The within-group AUROC of one batch: the mean over <paramref name="Groups"/> eligible groups; null when none is.</summary>
public sealed record WithinGroupAuroc(double? Mean, int Groups);
