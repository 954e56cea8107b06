namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>Persisted state of a <see cref="FeatureNormalizer"/>: count, mean and sum of squared deviations per feature.</summary>
public sealed record FeatureNormalizerState(long Count, double[] Mean, double[] M2);
