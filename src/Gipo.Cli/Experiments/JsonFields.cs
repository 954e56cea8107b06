using System.Text.Json;

namespace Gipo.Cli.Experiments;

/// <summary>
/// Typed reads of a JSON object's fields that fail with <see cref="InvalidDataException"/> naming where the object came
/// from (<c>file</c> or <c>file:line</c>) and the field; absent and null optional fields read as null.
/// </summary>
internal static class JsonFields
{
    public static string RequiredString(JsonElement o, string key, string where) =>
        Optional(o, key) is { ValueKind: JsonValueKind.String } v ? v.GetString()! : throw Bad(where, key, "a string");

    public static int RequiredInt(JsonElement o, string key, string where) =>
        OptionalInt(o, key, where) ?? throw Bad(where, key, "an integer");

    public static string? OptionalString(JsonElement o, string key, string where) => Optional(o, key) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        _ => throw Bad(where, key, "a string"),
    };

    public static int? OptionalInt(JsonElement o, string key, string where) => Optional(o, key) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out var i) => i,
        _ => throw Bad(where, key, "an integer"),
    };

    public static double? OptionalDouble(JsonElement o, string key, string where) => Optional(o, key) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } v => v.GetDouble(),
        _ => throw Bad(where, key, "a number"),
    };

    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public static JsonElement? Optional(JsonElement o, string key) =>
        o.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    /// <summary>A number field as a double, or null when absent, null or not a number (logs tolerate odd values).</summary>
    public static double? NumberOrNull(JsonElement o, string key) =>
        o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    public static InvalidDataException Bad(string where, string key, string expected) =>
        new($"{where}: field '{key}' must be {expected}");
}
