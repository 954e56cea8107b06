namespace Gipo.Bench.Weights;

/// <summary>A blob to publish: its name in the report and its bytes (the same bytes go out at every repetition, under a new version).</summary>
public sealed record WeightBlob(string Name, byte[] Data);
