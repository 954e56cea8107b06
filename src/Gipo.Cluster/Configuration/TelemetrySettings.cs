using OpenTelemetry.Exporter;

namespace Gipo.Cluster.Configuration;

/// <summary>The <c>gipo.telemetry</c> section: OpenTelemetry metrics export (see <c>hocon/gipo.conf</c>).</summary>
/// <param name="OtlpEndpoint">The collector's address; null = no export (the default).</param>
/// <param name="OtlpProtocol">gRPC or HTTP/protobuf.</param>
/// <param name="ExportInterval">How often the metrics are pushed.</param>
public sealed record TelemetrySettings(Uri? OtlpEndpoint, OtlpExportProtocol OtlpProtocol, TimeSpan ExportInterval)
{
    /// <summary>Reads and validates <c>gipo.telemetry</c>; errors name the key.</summary>
    public static TelemetrySettings Read(GipoSettings settings)
    {
        var s = settings.Section("telemetry");
        var raw = s.String("otlp-endpoint").Trim();
        Uri? endpoint = null;
        if (raw.Length > 0 && (!Uri.TryCreate(raw, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
            throw new ArgumentException($"'gipo.telemetry.otlp-endpoint' = '{raw}' must be \"\" " +
                                        $"(off) or an http:// or https:// address such as http://localhost:4317");
        var protocol = s.Choice("otlp-protocol", new Dictionary<string, OtlpExportProtocol>
        {
            ["grpc"] = OtlpExportProtocol.Grpc, ["http/protobuf"] = OtlpExportProtocol.HttpProtobuf,
        });
        return new TelemetrySettings(endpoint, protocol, TimeSpan.FromMilliseconds(s.Int("export-interval-ms", 100, 3_600_000)));
    }
}
