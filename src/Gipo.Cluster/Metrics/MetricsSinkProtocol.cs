using Gipo.Cluster.Serialization;

namespace Gipo.Cluster.Metrics;

// The messages of MetricsSink. All travel through GipoSerializer (manifests in RuntimeCodecs).

/// <summary>One learner step's metrics, typed key by key in the order <c>metrics.jsonl</c> writes them (the contract: at
/// least <c>step</c>, <c>policy_version</c>, <c>reward_mean</c>, <c>samples_total</c>; <c>eval_pass_at_1</c> on evaluation
/// steps). <see cref="MetricsLineJson"/> converts from and to the line's JSON object. No answer.</summary>
public sealed record MetricsLine(long Step, IReadOnlyList<MetricEntry> Entries) : IGipoMessage;

/// <summary>A sampler generated <paramref name="Groups"/> groups in <paramref name="BusySeconds"/>. No answer.</summary>
public sealed record SamplerProgress(string Sampler, int Groups, int Samples, long Tokens, double BusySeconds) : IGipoMessage;

/// <summary>A resumed run continues after <paramref name="Step"/>: drop later lines. Answered by <see cref="MetricsRewound"/>.</summary>
public sealed record RewindMetrics(long Step) : IGipoMessage;

/// <summary>The log now ends at <paramref name="Step"/> with <paramref name="Lines"/> lines.</summary>
public sealed record MetricsRewound(long Step, int Lines) : IGipoMessage;

/// <summary>Render the plots now. Answered by <see cref="MetricsFlushed"/>.</summary>
public sealed record FlushMetrics : IGipoMessage
{
    /// <summary>The only instance needed.</summary>
    public static FlushMetrics Instance { get; } = new();
}

/// <summary>The plots written.</summary>
public sealed record MetricsFlushed(IReadOnlyList<string> Plots) : IGipoMessage;
