using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Telemetry;
using Gipo.Cluster.Tests.Coordination;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Gipo.Cluster.Tests.Telemetry;

/// <summary>The "Gipo" meter's cluster-health instruments, exported through OpenTelemetry's in-memory exporter.</summary>
public sealed class ClusterHealthMetricsTests
{
    private static Dictionary<string, Metric> Export(ClusterHealthMetrics health, Action record)
    {
        var exported = new List<Metric>();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(health.Name).AddInMemoryExporter(exported).Build()!;
        record();
        provider.ForceFlush();
        return exported.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());
    }

    // Training-node tests running beside these create "Gipo" meters of their own; a listener of that name would see them.
    private static string UniqueName() => $"{ClusterHealthMetrics.MeterName}.Test.{Guid.NewGuid():N}";

    private static Dictionary<string, double> Points(Metric metric, string? tag = null)
    {
        var points = new Dictionary<string, double>();
        foreach (ref readonly var p in metric.GetMetricPoints())
        {
            string key = "";
            foreach (var t in p.Tags) if (t.Key == tag) key = t.Value?.ToString() ?? "";
            points[key] = metric.MetricType switch
            {
                MetricType.LongSum or MetricType.LongSumNonMonotonic => p.GetSumLong(),
                MetricType.LongGauge => p.GetGaugeLastValueLong(),
                MetricType.DoubleGauge => p.GetGaugeLastValueDouble(),
                MetricType.Histogram => p.GetHistogramCount(),
                _ => double.NaN,
            };
        }
        return points;
    }

    [Fact]
    public void The_instruments_report_steps_groups_reissues_staleness_and_members()
    {
        using var health = new ClusterHealthMetrics(() => (3, 1), UniqueName());
        var ledger = new RunLedger(LedgerTestData.Settings());
        var status = ledger.Status with
        {
            LearnerStep = 2, Groups = new GroupCounts(5, 2, 1, 8, 3),
            Drops = new DropCounts(0, 1, LeaseExpiredReissued: 2, SamplerDiedReissued: 1, 0),
        };
        var metrics = Export(health, () =>
        {
            health.RecordStep(status with { LearnerStep = 1 }, [0, 1]);
            health.RecordStep(status, [1, 2, 2]);
        });

        Assert.Equal(2, Points(metrics["gipo.learner.steps"])[""]);
        Assert.Equal(2, Points(metrics["gipo.learner.step"])[""]);
        Assert.True(Points(metrics["gipo.learner.step_rate"])[""] > 0);
        var groups = Points(metrics["gipo.groups"], "state");
        Assert.Equal(new Dictionary<string, double> { ["issued"] = 5, ["generated"] = 2, ["scored"] = 1, ["consumed"] = 8, ["dropped"] = 3 }, groups);
        var reissued = Points(metrics["gipo.groups.reissued"], "reason");
        Assert.Equal(new Dictionary<string, double> { ["lease_expired"] = 2, ["sampler_died"] = 1 }, reissued);
        Assert.Equal(5, Points(metrics["gipo.batch.staleness"])[""]); // five groups recorded
        Assert.Equal(new Dictionary<string, double> { ["up"] = 3, ["unreachable"] = 1 }, Points(metrics["gipo.cluster.members"], "status"));
    }

    [Fact]
    public void Before_any_step_only_the_membership_reports()
    {
        using var health = new ClusterHealthMetrics(() => (1, 0), UniqueName());
        var metrics = Export(health, () => { });
        Assert.False(metrics.ContainsKey("gipo.learner.step"));
        Assert.False(metrics.ContainsKey("gipo.groups"));
        Assert.Equal(1, Points(metrics["gipo.cluster.members"], "status")["up"]);
    }

    [Fact]
    public void Otlp_export_is_off_by_default_and_on_with_an_endpoint()
    {
        var off = TelemetrySettings.Read(GipoSettings.Load());
        Assert.Null(off.OtlpEndpoint);
        Assert.Null(OtlpMetricsExport.Start(off, "run", "node"));

        var on = TelemetrySettings.Read(GipoSettings.Load(null,
            ["telemetry.otlp-endpoint=http://127.0.0.1:4318/v1/metrics", "telemetry.otlp-protocol=http/protobuf"]));
        Assert.Equal(new Uri("http://127.0.0.1:4318/v1/metrics"), on.OtlpEndpoint);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, on.OtlpProtocol);
        using var provider = OtlpMetricsExport.Start(on, "run", "node");
        Assert.NotNull(provider);
    }

    [Fact]
    public void A_bad_endpoint_or_protocol_is_an_error_naming_the_key()
    {
        var e = Assert.Throws<ArgumentException>(() => TelemetrySettings.Read(GipoSettings.Load(null, ["telemetry.otlp-endpoint=localhost:4317"])));
        Assert.Contains("gipo.telemetry.otlp-endpoint", e.Message);
        e = Assert.Throws<ArgumentException>(() => TelemetrySettings.Read(GipoSettings.Load(null, ["telemetry.otlp-protocol=udp"])));
        Assert.Contains("gipo.telemetry.otlp-protocol", e.Message);
    }
}
