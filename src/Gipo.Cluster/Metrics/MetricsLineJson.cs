using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gipo.Cluster.Metrics;

/// <summary>
/// Between a <c>metrics.jsonl</c> object and the typed <see cref="MetricsLine"/> that carries it to the sink. The text a
/// line gets is what <see cref="JsonNode.ToJsonString"/> writes for the same values (System.Text.Json's writer with its
/// defaults: shortest round-trip doubles, the default escaping), so typing the message changes no byte of the log.
/// </summary>
public static class MetricsLineJson
{
    /// <summary>
    /// The message of <paramref name="line"/>, key by key in its order. A number is an <see cref="MetricKind.Integer"/>
    /// when it is held as an integer, else a <see cref="MetricKind.Real"/>; an array holds numbers or nulls; an object
    /// holds values that are not objects.
    /// </summary>
    /// <exception cref="ArgumentException">A value a metrics line cannot hold (a non-finite number, an array of
    /// strings, objects nested twice); the message names the key.</exception>
    public static MetricsLine ToMessage(long step, JsonObject line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return new MetricsLine(step, [.. line.Select(kv => new MetricEntry(kv.Key, ValueOf(kv.Key, kv.Value, nested: false)))]);
    }

    /// <summary>The <c>metrics.jsonl</c> object of <paramref name="line"/>; its values read like those of a parsed line.</summary>
    public static JsonObject ToJsonObject(MetricsLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteEntries(writer, line.Entries);
            writer.WriteEndObject();
        }
        // Parsed back rather than built from CLR values: a parsed number reads as double or long alike
        // (TryGetValue<double>), which every reader of the line (console progress, TensorBoard, the rewind) relies on.
        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    private static void WriteEntries(Utf8JsonWriter writer, IReadOnlyList<MetricEntry> entries)
    {
        foreach (var entry in entries)
        {
            writer.WritePropertyName(entry.Key);
            Write(writer, entry.Value);
        }
    }

    private static void Write(Utf8JsonWriter writer, MetricValue value)
    {
        switch (value.Kind)
        {
            case MetricKind.Null: writer.WriteNullValue(); break;
            case MetricKind.Integer: writer.WriteNumberValue(value.Integer); break;
            case MetricKind.Real: writer.WriteNumberValue(value.Real); break;
            case MetricKind.Boolean: writer.WriteBooleanValue(value.Boolean); break;
            case MetricKind.Text: writer.WriteStringValue(value.Text); break;
            case MetricKind.Reals:
                writer.WriteStartArray();
                foreach (var v in value.Reals!)
                    if (v is { } d) writer.WriteNumberValue(d);
                    else writer.WriteNullValue();
                writer.WriteEndArray();
                break;
            case MetricKind.Members:
                writer.WriteStartObject();
                WriteEntries(writer, value.Members!);
                writer.WriteEndObject();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(value), value.Kind, "unknown metrics value kind");
        }
    }

    private static MetricValue ValueOf(string key, JsonNode? node, bool nested)
    {
        if (node is JsonObject members && !nested)
            return MetricValue.OfMembers([.. members.Select(kv => new MetricEntry(kv.Key, ValueOf($"{key}.{kv.Key}", kv.Value, nested: true)))]);
        try
        {
            return node switch
            {
                null => MetricValue.Null,
                JsonValue v => ScalarOf(v),
                JsonArray a => MetricValue.OfReals([.. a.Select(x => x switch
                {
                    null => (double?)null,
                    JsonValue v when v.GetValueKind() == JsonValueKind.Number => Number(v),
                    _ => throw new ArgumentException($"an array of a metrics line holds numbers or nulls, not {x!.GetValueKind()}"),
                })]),
                _ => throw new ArgumentException("objects nest one level deep at most in a metrics line"),
            };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ArgumentException($"metrics key '{key}': {e.Message}", e);
        }
    }

    private static MetricValue ScalarOf(JsonValue v) => v.GetValueKind() switch
    {
        JsonValueKind.True => MetricValue.Of(true),
        JsonValueKind.False => MetricValue.Of(false),
        JsonValueKind.String => MetricValue.Of(v.GetValue<string>()),
        // Integer CLR values and integer JSON text stay integers; everything else is a double (written alike either way).
        JsonValueKind.Number when v.TryGetValue<long>(out var l) => MetricValue.Of(l),
        JsonValueKind.Number when v.TryGetValue<int>(out var i) => MetricValue.Of(i),
        JsonValueKind.Number => MetricValue.Of(Number(v)),
        var kind => throw new ArgumentException($"a metrics value cannot be {kind}"),
    };

    private static double Number(JsonValue v) =>
        v.TryGetValue<double>(out var d) ? d : throw new ArgumentException($"the number {v.ToJsonString()} is not held as a long, int or double");
}
