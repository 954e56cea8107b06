using Gipo.Cluster.Serialization;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Weights;

// The messages of WeightStore. All travel through GipoSerializer (manifests in RuntimeCodecs).

/// <summary>The learner stores version <c>Weights.Version</c> and announces it to every subscriber. No answer.</summary>
public sealed record PublishWeights(PolicyWeights Weights) : IGipoMessage;

/// <summary>A sampler subscribes to <see cref="PolicyPublished"/>; it gets the latest one at once, if any. The store watches it.</summary>
public sealed record SubscribePolicy : IGipoMessage
{
    /// <summary>The only instance needed.</summary>
    public static SubscribePolicy Instance { get; } = new();
}

/// <summary>A new policy version is available: a small notice, the weights are pulled with <see cref="GetWeights"/>.</summary>
/// <param name="Bytes">Size of the weights, so a puller can decide how to fetch them.</param>
public sealed record PolicyPublished(long Version, string Sha256, long Bytes) : IGipoMessage;

/// <summary>Asks for the weights of <paramref name="Version"/>. Answered by <see cref="WeightsReply"/> or <see cref="WeightsUnavailable"/>.</summary>
public sealed record GetWeights(long Version) : IGipoMessage;

/// <summary>The weights asked for; the receiver checks their hash before loading them.</summary>
public sealed record WeightsReply(PolicyWeights Weights) : IGipoMessage;

/// <summary>The version asked for is not held (replaced by a newer one, or never published); <paramref name="Latest"/> is, if any.</summary>
public sealed record WeightsUnavailable(long Version, long? Latest, string Reason) : IGipoMessage;
