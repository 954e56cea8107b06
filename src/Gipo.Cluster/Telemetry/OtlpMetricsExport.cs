using Gipo.Cluster.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Gipo.Cluster.Telemetry;

/// <summary>Pushes the <see cref="ClusterHealthMetrics"/> meter to an OTLP collector when <c>gipo.telemetry.otlp-endpoint</c> is set.</summary>
public static class OtlpMetricsExport
{
    /// <summary>
    /// The meter provider exporting over OTLP as <paramref name="settings"/> say, or null when no endpoint is set (off, the
    /// default). <paramref name="runId"/> and <paramref name="node"/> become the resource's service instance, so a
    /// collector tells runs and nodes apart. Dispose it to flush and stop.
    /// </summary>
    public static MeterProvider? Start(TelemetrySettings settings, string runId, string node)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.OtlpEndpoint is not { } endpoint) return null;
        return Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.AddService("gipo", serviceInstanceId: $"{runId}/{node}")
                .AddAttributes([new KeyValuePair<string, object>("gipo.run_id", runId)]))
            .AddMeter(ClusterHealthMetrics.MeterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = settings.OtlpProtocol;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)settings.ExportInterval.TotalMilliseconds;
            })
            .Build();
    }
}
