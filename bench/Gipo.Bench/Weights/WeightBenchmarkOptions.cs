using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Gipo.Cluster.Serialization;
using Gipo.Cluster.Weights;
using Gipo.Model.Checkpoints;

namespace Gipo.Bench.Weights;

/// <summary>What <c>gipo-bench weights</c> measures.</summary>
/// <param name="SamplerNodes">Sampler node counts, one cluster each (e.g. 1, 2, 4).</param>
/// <param name="Repetitions">Timed publishes per node count and blob.</param>
/// <param name="Warmup">Untimed publishes before them (JIT, first allocations, connection set-up).</param>
public sealed record WeightBenchmarkOptions(IReadOnlyList<int> SamplerNodes, IReadOnlyList<WeightBlob> Blobs, int Repetitions, int Warmup,
                                            WeightTransferSettings Transfer);
