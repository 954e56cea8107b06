using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// JSON for the scheduler's snapshot and messages (System.Text.Json). Doubles are written in their shortest
/// round-trip form, so a state read back is bit-identical; a missing field is an error rather than a silent default.
/// </summary>
public static class EntropySchedulerJson
{
    /// <summary>
    /// The options used here: camelCase names, every constructor parameter required, and NaN/±Infinity written as
    /// named literals so that <see cref="EntropyStats"/> (NaN for absent buckets) can be journaled too.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    public static string Serialize(EntropySchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return JsonSerializer.Serialize(state, Options);
    }

    /// <exception cref="JsonException">Malformed JSON or a missing field.</exception>
    public static EntropySchedulerState Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize<EntropySchedulerState>(json, Options)
            ?? throw new JsonException("the entropy-scheduler state is null");
    }

    /// <summary>The config alone as JSON (a live change of the scheduler's hyper-parameters is journaled this way).</summary>
    public static string SerializeConfig(EntropySchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return JsonSerializer.Serialize(config, Options);
    }

    /// <exception cref="JsonException">Malformed JSON or a missing field.</exception>
    public static EntropySchedulerConfig DeserializeConfig(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize<EntropySchedulerConfig>(json, Options)
            ?? throw new JsonException("the entropy-scheduler config is null");
    }

    /// <summary>
    /// SHA-256 (lowercase hex) of the config's JSON: persisted beside the state so that a resume can tell whether the
    /// hyper-parameters changed since the snapshot.
    /// </summary>
    public static string ConfigHash(EntropySchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(config, Options);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>The hash of the config inside a state.</summary>
    public static string ConfigHash(EntropySchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return ConfigHash(state.Config);
    }
}
