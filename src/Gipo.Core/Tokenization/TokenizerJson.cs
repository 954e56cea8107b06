using System.Text.Json;

namespace Gipo.Core.Tokenization;

/// <summary>Reading helpers for Hugging Face <c>tokenizer.json</c> that fail with a named path.</summary>
internal static class TokenizerJson
{
    public static JsonDocument Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw Invalid($"not valid JSON ({e.Message})");
        }
    }

    public static InvalidDataException Invalid(string problem) => new($"Invalid tokenizer.json: {problem}.");

    public static InvalidDataException Unsupported(string problem) => new($"Unsupported tokenizer.json: {problem}.");

    /// <summary>The property, or <see langword="null"/> when it is absent or JSON null.</summary>
    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static JsonElement Required(JsonElement obj, string name, string path, JsonValueKind kind)
    {
        var value = Optional(obj, name) ?? throw Invalid($"'{path}' is missing");
        return value.ValueKind == kind ? value : throw Invalid($"'{path}' must be {Describe(kind)}");
    }

    public static string RequiredString(JsonElement obj, string name, string path) =>
        Required(obj, name, path, JsonValueKind.String).GetString()!;

    public static int RequiredId(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var id) && id >= 0
            ? id
            : throw Invalid($"'{path}' must be a non-negative integer id");

    public static string? OptionalString(JsonElement obj, string name, string path) =>
        Optional(obj, name) is { } value
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid($"'{path}' must be a string")
            : null;

    public static bool OptionalBool(JsonElement obj, string name, string path, bool fallback) =>
        Optional(obj, name) is { } value
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Invalid($"'{path}' must be true or false"),
            }
            : fallback;

    /// <summary>Reads <c>added_tokens</c>, rejecting matching options this code does not implement.</summary>
    public static IReadOnlyList<AddedToken> ReadAddedTokens(JsonElement root)
    {
        if (Optional(root, "added_tokens") is not { } array)
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("'added_tokens' must be an array");
        }

        var tokens = new List<AddedToken>();
        var index = 0;
        foreach (var entry in array.EnumerateArray())
        {
            var path = $"added_tokens[{index++}]";
            var id = RequiredId(Optional(entry, "id") ?? throw Invalid($"'{path}.id' is missing"), $"{path}.id");
            var content = RequiredString(entry, "content", $"{path}.content");
            if (content.Length == 0)
            {
                throw Invalid($"'{path}.content' is empty");
            }

            foreach (var option in (ReadOnlySpan<string>)["lstrip", "rstrip", "single_word"])
            {
                if (OptionalBool(entry, option, $"{path}.{option}", false))
                {
                    throw Unsupported($"'{path}.{option}' is true ({content}); only exact-match added tokens are supported");
                }
            }

            if (tokens.Exists(t => t.Content == content))
            {
                throw Invalid($"'{path}.content' repeats the added token \"{content}\"");
            }

            var special = OptionalBool(entry, "special", $"{path}.special", false);
            // Hugging Face's own default: special tokens are matched as written, others after normalization.
            tokens.Add(new AddedToken(id, content, special, OptionalBool(entry, "normalized", $"{path}.normalized", !special)));
        }

        return tokens;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        _ => kind.ToString(),
    };
}
