using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gipo.Cli.Experiments;

/// <summary>
/// <c>experiment-run.json</c> of one run, written by the orchestrator: which task, method and seed it is, how it
/// ended, and the hashes and result it recorded. Task, method and seed come from here, never from the folder name.
/// </summary>
internal sealed record RunRecord(
    string Id, string Task, string Method, int Seed, string Status, int? ExitCode, double? WallSeconds,
    string? ConfigSha256, string? SftHash, JsonNode? TrainResult)
{
    public const string FileName = "experiment-run.json";

    /// <summary>Only finished runs are aggregated; failed and running ones are listed but count as missing.</summary>
    public bool Finished => Status == "finished";

    /// <summary>Reads <paramref name="path"/>; a missing or mistyped field throws naming the file and field.</summary>
    public static RunRecord Read(string path)
    {
        JsonElement o;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            o = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        if (o.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: expected a JSON object, found {o.ValueKind}");
        return new RunRecord(
            JsonFields.RequiredString(o, "id", path), JsonFields.RequiredString(o, "task", path),
            JsonFields.RequiredString(o, "method", path), JsonFields.RequiredInt(o, "seed", path),
            JsonFields.RequiredString(o, "status", path), JsonFields.OptionalInt(o, "exit_code", path),
            JsonFields.OptionalDouble(o, "wall_seconds", path), JsonFields.OptionalString(o, "config_sha256", path),
            JsonFields.OptionalString(o, "sft_hash", path),
            JsonFields.Optional(o, "train_result") is { } t ? JsonNode.Parse(t.GetRawText()) : null);
    }
}
