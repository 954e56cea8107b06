using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Telemetry;

/// <summary>
/// The cluster's health as <see cref="System.Diagnostics.Metrics"/> instruments of the meter <see cref="MeterName"/>,
/// for OpenTelemetry (<see cref="OtlpMetricsExport"/>) or any other listener:
/// <list type="bullet">
/// <item><c>gipo.learner.steps</c> (counter): learner steps completed by this process.</item>
/// <item><c>gipo.learner.step</c> (gauge): the learner's step; <c>gipo.learner.step_rate</c> (gauge, steps/s) over the
/// last <see cref="RateWindow"/> steps.</item>
/// <item><c>gipo.groups</c> (gauge, tag <c>state</c> = issued | generated | scored | consumed | dropped): the ledger's
/// groups by state: leased and generating, generated and scoring, scored and waiting for the learner, trained on, dropped.</item>
/// <item><c>gipo.groups.reissued</c> (counter, tag <c>reason</c> = lease_expired | sampler_died): groups issued again,
/// cumulative over the run (from the ledger).</item>
/// <item><c>gipo.batch.staleness</c> (histogram, policy versions): staleness of each group a step trained on.</item>
/// <item><c>gipo.cluster.members</c> (gauge, tag <c>status</c> = up | unreachable): cluster members as this node sees them.</item>
/// </list>
/// The learner feeds it after each step (<see cref="RecordStep"/>); the gauges read the last step's ledger status, so
/// they report nothing on a node that hosts no learner, except the membership.
/// </summary>
public sealed class ClusterHealthMetrics : IDisposable
{
    /// <summary>The meter's name, for <c>AddMeter</c>.</summary>
    public const string MeterName = "Gipo";

    /// <summary>Steps the step rate is measured over.</summary>
    public const int RateWindow = 10;

    private readonly Meter meter;
    private readonly Counter<long> steps;
    private readonly Histogram<long> staleness;
    private readonly Queue<long> stepTimes = new();
    private readonly Lock gate = new();
    private LedgerStatus? last;
    private double stepRate = double.NaN;

    /// <param name="members">Counts of members up and unreachable (null: the membership gauge reports nothing).</param>
    /// <param name="meterName">The meter's name: <see cref="MeterName"/>, or a name of its own where several instances
    /// share a process and a listener must see one of them only (tests).</param>
    public ClusterHealthMetrics(Func<(int Up, int Unreachable)>? members = null, string meterName = MeterName)
    {
        meter = new Meter(meterName, typeof(ClusterHealthMetrics).Assembly.GetName().Version?.ToString());
        steps = meter.CreateCounter<long>("gipo.learner.steps", "{step}", "learner steps completed by this process");
        staleness = meter.CreateHistogram<long>("gipo.batch.staleness", "{version}", "staleness of each group a learner step trained on");
        meter.CreateObservableGauge("gipo.learner.step", () => Read(s => s is null ? [] : new[] { new Measurement<long>(s.LearnerStep) }),
            "{step}", "the learner's step");
        meter.CreateObservableGauge("gipo.learner.step_rate",
                                    () => Read(_ => double.IsNaN(stepRate) ? [] : new[] { new Measurement<double>(stepRate) }),
            "{step}/s", $"learner steps per second over the last {RateWindow} steps");
        meter.CreateObservableGauge("gipo.groups", () => Read(s => s is null ? [] : new[]
        {
            Tagged(s.Groups.Issued, "state", "issued"), Tagged(s.Groups.Generated, "state", "generated"),
            Tagged(s.Groups.Scored, "state", "scored"), Tagged(s.Groups.Consumed, "state", "consumed"),
            Tagged(s.Groups.Dropped, "state", "dropped"),
        }), "{group}", "the run ledger's groups by state");
        meter.CreateObservableCounter("gipo.groups.reissued", () => Read(s => s is null ? [] : new[]
        {
            Tagged(s.Drops[DropReason.LeaseExpiredReissued], "reason", "lease_expired"),
            Tagged(s.Drops[DropReason.SamplerDiedReissued], "reason", "sampler_died"),
        }), "{group}", "groups issued again after their lease expired or their sampler died");
        if (members is not null)
        {
            meter.CreateObservableGauge("gipo.cluster.members", () =>
            {
                var (up, unreachable) = members();
                return new[] { new Measurement<int>(up, new KeyValuePair<string, object?>("status", "up")),
                               new Measurement<int>(unreachable, new KeyValuePair<string, object?>("status", "unreachable")) };
            }, "{member}", "cluster members by status, as this node sees them");
        }
    }

    /// <summary>Records a completed learner step: the ledger's status after it and the staleness of its groups.</summary>
    public void RecordStep(LedgerStatus status, IReadOnlyList<long> batchStaleness)
    {
        ArgumentNullException.ThrowIfNull(status);
        lock (gate)
        {
            last = status;
            var now = Stopwatch.GetTimestamp();
            stepTimes.Enqueue(now);
            while (stepTimes.Count > RateWindow + 1) stepTimes.Dequeue();
            if (stepTimes.Count >= 2)
            {
                var seconds = Stopwatch.GetElapsedTime(stepTimes.Peek(), now).TotalSeconds;
                stepRate = seconds > 0 ? (stepTimes.Count - 1) / seconds : double.NaN;
            }
        }
        steps.Add(1);
        foreach (var s in batchStaleness) staleness.Record(s);
    }

    /// <inheritdoc />
    public void Dispose() => meter.Dispose();

    /// <summary>The meter's name (what a listener or exporter subscribes to).</summary>
    public string Name => meter.Name;

    private IEnumerable<Measurement<T>> Read<T>(Func<LedgerStatus?, IEnumerable<Measurement<T>>> read) where T : struct
    {
        lock (gate) return read(last).ToList();
    }

    private static Measurement<long> Tagged(long value, string key, string tag) => new(value, new KeyValuePair<string, object?>(key, tag));
}
