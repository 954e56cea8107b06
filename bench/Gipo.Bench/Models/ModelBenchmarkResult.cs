namespace Gipo.Bench.Models;

/// <summary>Measured throughput of one implementation.</summary>
public sealed record ModelBenchmarkResult(long Parameters, double TrainTokensPerSecond, double TrainStepMs,
                                          IReadOnlyDictionary<int, double> DecodeTokensPerSecond);
