using System.Text.Json.Serialization;
using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Runtime;

/// <summary>A <c>gipo set</c> request: its id and the changes, full keys.</summary>
public sealed record SettingsRequest(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("changes")] IReadOnlyList<SettingChange> Changes);
