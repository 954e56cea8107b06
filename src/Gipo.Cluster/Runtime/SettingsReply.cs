using System.Text.Json.Serialization;
using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Runtime;

/// <summary>The answer to a <see cref="SettingsRequest"/>.</summary>
/// <param name="EffectiveStep">The learner step from which an accepted change is in force.</param>
/// <param name="Reason">Why a refused change was refused.</param>
public sealed record SettingsReply(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("accepted")] bool Accepted,
    [property: JsonPropertyName("effective_step")] long? EffectiveStep,
    [property: JsonPropertyName("changes")] IReadOnlyList<SettingChange>? Changes,
    [property: JsonPropertyName("reason")] string? Reason);
