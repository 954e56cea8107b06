using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Gipo.Model.Checkpoints;

namespace Gipo.Cli.Experiments;

/// <summary>
/// <c>runs/&lt;id&gt;/experiment-run.json</c>: what the experiment knows of one run (the report reads it). Written
/// whole and renamed into place at every change of state, so a reader sees one state or the next.
/// </summary>
public sealed record ExperimentRunRecord
{
    public const string FileName = "experiment-run.json";
    public const string Running = "running";
    public const string Finished = "finished";
    public const string Failed = "failed";

    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("task")] public required string Task { get; init; }
    [JsonPropertyName("method")] public required string Method { get; init; }
    [JsonPropertyName("seed")] public required int Seed { get; init; }
    /// <summary><c>running</c>, <c>finished</c> or <c>failed</c>.</summary>
    [JsonPropertyName("status")] public required string Status { get; init; }
    /// <summary>Exit code of the process that failed; 0 once finished; null while running.</summary>
    [JsonPropertyName("exit_code")] public int? ExitCode { get; init; }
    /// <summary>Wall time of every attempt together (training and evaluation), seconds.</summary>
    [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }
    /// <summary>SHA-256 of the run's resolved <c>run.conf</c>.</summary>
    [JsonPropertyName("config_sha256")] public string? ConfigSha256 { get; init; }
    /// <summary>The SFT warm start it trained from (the sft/&lt;task&gt;-&lt;hash12&gt; folder's full hash).</summary>
    [JsonPropertyName("sft_hash")] public string? SftHash { get; init; }
    /// <summary>The last line of <c>gipo train --json</c>; null until training finished.</summary>
    [JsonPropertyName("train_result")] public JsonObject? TrainResult { get; init; }
    /// <summary>When the first attempt started and when the run finished (UTC, ISO 8601).</summary>
    [JsonPropertyName("started")] public DateTimeOffset? Started { get; init; }
    [JsonPropertyName("finished")] public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Why it failed: the last lines the failing process wrote to standard error.</summary>
    [JsonPropertyName("error")] public string? Error { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>The record in <paramref name="runFolder"/>; null when there is none or it cannot be read (treated as never written).</summary>
    public static ExperimentRunRecord? Read(string runFolder)
    {
        var path = Path.Combine(runFolder, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ExperimentRunRecord>(File.ReadAllText(path), Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Write(string runFolder) => AtomicFile.WriteText(Path.Combine(runFolder, FileName), JsonSerializer.Serialize(this, Options) + "\n");
}
