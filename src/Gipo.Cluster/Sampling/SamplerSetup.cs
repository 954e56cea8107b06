using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model;
using Gipo.Model.Sampling;

namespace Gipo.Cluster.Sampling;

/// <summary>What a sampler needs besides its peers: the model shape, the tokenizer, the run's prompts and sampling.</summary>
/// <param name="GroupsPerLease">Leases collected before one batched generation (each lease is still one group).</param>
public sealed record SamplerSetup(
    ModelConfig Model, ITextTokenizer Tokenizer, IReasoningTask Task, IReadOnlyList<Problem> Prompts, int GroupSize,
    SamplingOptions Sampling, int GroupsPerLease, string Device, TimeSpan Poll);
