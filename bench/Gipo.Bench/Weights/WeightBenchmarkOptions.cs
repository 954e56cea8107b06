using Gipo.Cluster.Weights;

namespace Gipo.Bench.Weights;

/// <summary>What <c>gipo-bench weights</c> measures.</summary>
/// <param name="SamplerNodes">Sampler node counts, one cluster each (e.g. 1, 2, 4).</param>
/// <param name="Repetitions">Timed publishes per node count and blob.</param>
/// <param name="Warmup">Untimed publishes before them (JIT, first allocations, connection set-up).</param>
public sealed record WeightBenchmarkOptions(IReadOnlyList<int> SamplerNodes, IReadOnlyList<WeightBlob> Blobs, int Repetitions, int Warmup,
                                            WeightTransferSettings Transfer);
