using Gipo.Cluster.Serialization;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Weights;

// The messages of WeightStore. All travel through GipoSerializer (manifests in RuntimeCodecs). Only PublishWeights
// carries a whole model, and it goes from the learner to the store on the same node; what crosses nodes is the
// small notice and chunks of at most gipo.weights.chunk-size bytes (WeightTransferSettings).

/// <summary>The learner stores version <c>Weights.Version</c> and announces it to every subscriber. No answer. Local only: it carries the whole
/// model.</summary>
public sealed record PublishWeights(PolicyWeights Weights) : IGipoMessage;

/// <summary>
/// A puller (a <see cref="WeightFetcher"/>) subscribes to <see cref="PolicyPublished"/>; it gets the latest one at
/// once, if any, so re-sending it after the store came back is how a puller catches up. The store watches it.
/// </summary>
public sealed record SubscribePolicy : IGipoMessage
{
    /// <summary>The only instance needed.</summary>
    public static SubscribePolicy Instance { get; } = new();
}

/// <summary>
/// A new policy version is available: a small notice, sent by the store that holds it; the weights are pulled in
/// chunks with <see cref="PullWeightChunk"/>.
/// </summary>
/// <param name="Location">
/// The store's actor path with its address (no UID), so a puller can reach it directly, and reach a store
/// re-created at the same path after a crash.
/// </param>
/// <param name="Sha256">Hex SHA-256 of the whole blob, checked by the puller before anything is loaded.</param>
/// <param name="Bytes">Size of the weights, so a puller can allocate once and count chunks.</param>
public sealed record PolicyPublished(long Version, string Location, string Sha256, long Bytes) : IGipoMessage;

/// <summary>
/// Asks for <paramref name="Length"/> bytes at <paramref name="Offset"/> of the weights of <paramref name="Version"/>
/// whose hash is <paramref name="Sha256"/> (so a version republished with other contents is never mixed in).
/// Answered by <see cref="WeightChunk"/> or <see cref="WeightsUnavailable"/>. <paramref name="Length"/> is at most the
/// store's chunk size; the last chunk of a blob may be shorter than asked.
/// </summary>
public sealed record PullWeightChunk(long Version, string Sha256, long Offset, int Length) : IGipoMessage;

/// <summary>Bytes <c>[Offset, Offset + Data.Length)</c> of the weights of <paramref name="Version"/>, which are <paramref name="Total"/> bytes
/// long.</summary>
/// <param name="Data">A slice of the store's blob (no copy on one node); decoded from the wire as a fresh array.</param>
public sealed record WeightChunk(long Version, long Offset, long Total, ReadOnlyMemory<byte> Data) : IGipoMessage;

/// <summary>
/// The version asked for is not held (replaced by newer ones, or never published), or the request was malformed;
/// <paramref name="Latest"/> is the newest version held, if any.
/// </summary>
public sealed record WeightsUnavailable(long Version, long? Latest, string Reason) : IGipoMessage;
