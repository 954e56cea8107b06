namespace Gipo.Cluster.Replay;

/// <summary>One quantity a replay did not reproduce.</summary>
/// <param name="Key">The <c>metrics.jsonl</c> key (<c>bucket_entropy[2]</c> for an element), or <c>params_sha256</c>, or <c>params</c>.</param>
/// <param name="Original">The run's value, as written.</param>
/// <param name="Replayed">The replay's value.</param>
/// <param name="AbsDiff">|original − replayed| for numbers; +∞ where one side is missing or not a number.</param>
/// <param name="Step">The learner step it belongs to (an intermediate step replayed on the way, or the requested one).</param>
public sealed record MetricDifference(long Step, string Key, string Original, string Replayed, double AbsDiff);
