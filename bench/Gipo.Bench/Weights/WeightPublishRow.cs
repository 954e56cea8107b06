using Gipo.Cluster.Weights;

namespace Gipo.Bench.Weights;

/// <summary>One node count and blob: the latency of each timed publish.</summary>
/// <param name="Seconds">Per repetition: <see cref="PublishWeights"/> told to the store → the last sampler node's fetcher verified the blob.</param>
/// <param name="Unreachable">UnreachableMember events any node saw while this row ran (a stalled heartbeat would show here).</param>
public sealed record WeightPublishRow(int SamplerNodes, string Blob, long Bytes, IReadOnlyList<double> Seconds, int Unreachable)
{
    /// <summary>Median latency.</summary>
    public double MedianSeconds => Median(Seconds);

    /// <summary>Worst latency.</summary>
    public double MaxSeconds => Seconds.Count > 0 ? Seconds.Max() : double.NaN;

    /// <summary>Bytes delivered to all samplers per second, at the median.</summary>
    public double AggregateMegabytesPerSecond => MedianSeconds > 0 ? Bytes * (double)SamplerNodes / MedianSeconds / 1e6 : 0;

    /// <summary>One sampler's blob over the median latency.</summary>
    public double PerSamplerMegabytesPerSecond => MedianSeconds > 0 ? Bytes / MedianSeconds / 1e6 : 0;

    private static double Median(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
