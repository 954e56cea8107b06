using System.Diagnostics;
using Gipo.Model;
using Gipo.Model.Sampling;
using Gipo.Model.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Bench.Models;

/// <summary>Measured throughput of one implementation.</summary>
public sealed record ModelBenchmarkResult(long Parameters, double TrainTokensPerSecond, double TrainStepMs,
                                          IReadOnlyDictionary<int, double> DecodeTokensPerSecond);
