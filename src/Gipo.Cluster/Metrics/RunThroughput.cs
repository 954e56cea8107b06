using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gipo.Cluster.Metrics;

/// <summary>
/// The run's generation counters as <c>metrics.jsonl</c> carries them: samples and tokens generated since the run
/// began and the run's wall seconds (summed over its processes; the time between a crash and its resume not counted).
/// </summary>
/// <param name="Samples"><c>samples_generated</c>.</param>
/// <param name="Tokens"><c>tokens_generated</c>.</param>
/// <param name="Seconds"><c>run_seconds</c>.</param>
public readonly record struct RunThroughput(long Samples, long Tokens, double Seconds)
{
    /// <summary>The counters of a run that has not generated anything yet.</summary>
    public static RunThroughput Zero { get; } = new(0, 0, 0);

    /// <summary>
    /// The counters a metrics line carries. A line written before <c>run_seconds</c> existed gives its seconds as
    /// <c>samples_generated / samples_per_second</c> (what that rate was computed from); a line without counters gives zero.
    /// </summary>
    public static RunThroughput Of(JsonObject line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var samples = Number(line, "samples_generated") is { } s ? (long)s : 0;
        var tokens = Number(line, "tokens_generated") is { } t ? (long)t : 0;
        var seconds = Number(line, "run_seconds")
                      ?? (Number(line, "samples_per_second") is > 0 and var rate ? samples / rate : 0);
        return new RunThroughput(samples, tokens, seconds);
    }

    /// <summary>
    /// Writes <c>samples_generated</c>, <c>tokens_generated</c>, <c>run_seconds</c>, the running average
    /// <c>samples_per_second</c>, and <c>samples_per_second_recent</c>, the rate since <paramref name="previous"/>
    /// (null when no time passed).
    /// </summary>
    public void WriteTo(JsonObject line, RunThroughput previous)
    {
        ArgumentNullException.ThrowIfNull(line);
        line["samples_generated"] = Samples;
        line["tokens_generated"] = Tokens;
        line["run_seconds"] = Math.Round(Seconds, 3);
        line["samples_per_second"] = Seconds > 0 ? Math.Round(Samples / Seconds, 3) : null;
        var interval = Seconds - previous.Seconds;
        line["samples_per_second_recent"] = interval > 0 ? Math.Round((Samples - previous.Samples) / interval, 3) : null;
    }

    private static double? Number(JsonObject line, string key)
    {
        try
        {
            return line[key] is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d) ? d : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
