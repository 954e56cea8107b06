using Gipo.Cluster.Serialization;

namespace Gipo.Cluster.Sampling;

// The messages of SamplerActor and SamplerSupervisor. SamplerActor's inputs are the coordinator's (WorkLease,
// NoWorkYet) and its WeightFetcher child's WeightsFetched (the fetcher subscribes to the weight store itself, so
// announcements never pass through the sampler); what it sends is RewardScorer's ScoreGroup and MetricsSink's SamplerProgress.

/// <summary>Asks a <see cref="SamplerSupervisor"/> how many samplers it runs and which versions they hold. Answered by
/// <see cref="SamplersState"/>.</summary>
public sealed record GetSamplers : IGipoMessage
{
    /// <summary>The only instance needed.</summary>
    public static GetSamplers Instance { get; } = new();
}

/// <summary>The samplers of a node: their names.</summary>
public sealed record SamplersState(IReadOnlyList<string> Samplers) : IGipoMessage;
