using Akka.Actor;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Weights;

// What WeightFetcher tells its parent. Its inputs are the store's protocol (PolicyPublished, WeightChunk,
// WeightsUnavailable): it subscribes to the store itself, so announcements come to it directly.

/// <summary>
/// Verified weights (size and SHA-256 match the announcement), for the fetcher's parent to load. Never leaves the
/// node (the fetcher is its receiver's child) and carries the whole model, so it is not serialized even under
/// <c>serialize-messages</c>.
/// </summary>
/// <param name="Elapsed">From the announcement's arrival to verification, retries included.</param>
/// <param name="Chunks">Chunks received, duplicates and restarts included.</param>
public sealed record WeightsFetched(PolicyWeights Weights, TimeSpan Elapsed, int Chunks) : INoSerializationVerificationNeeded;
