using Gipo.Cluster.Configuration;
using Gipo.Cluster.Weights;

namespace Gipo.Cluster.Tests;

/// <summary>Every key of the embedded <c>hocon/gipo.conf</c> is a documented, settable setting.</summary>
public sealed class GipoSettingsEveryKeyTests
{
    public static TheoryData<string, string> EveryKey()
    {
        var data = new TheoryData<string, string>();
        foreach (var (key, value) in GipoSettings.Load().Flatten()) data.Add(key, value);
        return data;
    }

    [Fact(DisplayName = "gipo.conf: the embedded reference has every section the readers read")]
    public void Reference_has_every_section()
    {
        var keys = GipoSettings.Load().Flatten().Keys.ToList();
        foreach (var section in new[] { "algorithm", "run", "dataset", "weights", "telemetry", "sft" })
            Assert.Contains(keys, k => k.StartsWith($"gipo.{section}.", StringComparison.Ordinal));
    }

    [Theory(DisplayName = "gipo.conf: every key is settable with --set key=<its own value>, and every reader accepts the result")]
    [MemberData(nameof(EveryKey))]
    public void Every_key_is_settable_with_its_own_value(string key, string value)
    {
        var settings = GipoSettings.Load(null, [$"{key}={value}"]);
        Assert.Equal(value, settings.Flatten()[key]);
        Assert.Equal(GipoSettings.Load().Flatten(), settings.Flatten());
        // The typed reads see the same run as with the defaults alone.
        Assert.Equal(WeightTransferSettings.Read(GipoSettings.Load()), WeightTransferSettings.Read(settings));
        RunSettings.Read(settings);
        AlgorithmSettingsReader.Read(settings);
        TelemetrySettings.Read(settings);
        DatasetSettings.Read(settings);
        SftSettings.Read(settings);
    }
}
