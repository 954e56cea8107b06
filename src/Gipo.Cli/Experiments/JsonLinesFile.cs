using System.Text.Json;

namespace Gipo.Cli.Experiments;

/// <summary>Reads a JSON-lines file into objects tagged with their 1-based line numbers, for errors that say file:line.</summary>
internal static class JsonLinesFile
{
    /// <summary>
    /// The objects of <paramref name="path"/>, blank lines skipped. With <paramref name="tolerateCutLastLine"/> a last
    /// line that is not valid JSON is dropped: a log being appended to (or cut by a kill) ends that way. Any other line
    /// that is not a JSON object throws <see cref="InvalidDataException"/> naming the file and line.
    /// </summary>
    public static List<(int Line, JsonElement Value)> Read(string path, bool tolerateCutLastLine)
    {
        var lines = File.ReadAllLines(path);
        var last = Array.FindLastIndex(lines, l => !string.IsNullOrWhiteSpace(l));
        var result = new List<(int, JsonElement)>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            JsonElement value;
            try
            {
                using var document = JsonDocument.Parse(lines[i]);
                value = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                if (tolerateCutLastLine && i == last) break;
                throw new InvalidDataException($"{path}:{i + 1}: not valid JSON ({e.Message})", e);
            }
            if (value.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}:{i + 1}: expected a JSON object, found {value.ValueKind}");
            result.Add((i + 1, value));
        }
        return result;
    }
}
