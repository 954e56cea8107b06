using Akka.Actor;
using Akka.Configuration;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Weights;

namespace Gipo.Cluster.Tests.Weights;

public sealed class WeightTransferSettingsTests
{
    [Fact(DisplayName = "gipo.weights: the defaults are hocon/gipo.conf's, and the actor-system fallback carries the same")]
    public void Defaults_come_from_the_reference_file()
    {
        var documented = WeightTransferSettings.Read(GipoSettings.Load());
        Assert.Equal(256 * 1024, documented.ChunkBytes);
        Assert.Equal(4, documented.Window);
        Assert.Equal(3, documented.KeepVersions);
        Assert.Equal(TimeSpan.FromSeconds(5), documented.ChunkTimeout);
        Assert.Equal(6, documented.MaxRetries);
        Assert.Equal(3, documented.HashAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), documented.ResubscribeInterval);
        Assert.Equal(0.5, documented.SupersedeBelow);
        Assert.Equal(documented, WeightTransferSettings.Default);
        // The frame limit is the nodes' one (hocon/akka-node.conf), not a second copy.
        Assert.Equal(AkkaReference.Node.GetByteSize(WeightTransferSettings.FrameSizeKey, null),
                     WeightTransferSettings.Config.GetByteSize(WeightTransferSettings.FrameSizeKey, null));
        Assert.Equal(4L << 20, WeightTransferSettings.Config.GetByteSize(WeightTransferSettings.FrameSizeKey, null));
    }

    [Fact(DisplayName = "gipo.weights: settings built in code are checked by the same read as a run's, naming the key")]
    public void Validated_uses_the_one_read()
    {
        Assert.Equal(WeightTransferSettings.Default, WeightTransferSettings.Default.Validated());
        Assert.Equal(WeightTransferSettings.Default, WeightTransferSettings.FromConfig(WeightTransferSettings.Default.ToConfig()));
        Assert.Contains("'gipo.weights.window'",
                        Assert.Throws<ConfigurationException>(() => (WeightTransferSettings.Default with { Window = 0 }).Validated()).Message);
        Assert.Contains("'gipo.weights.chunk-size'",
                        Assert.Throws<ConfigurationException>(() => (WeightTransferSettings.Default with { ChunkBytes = 12 }).Validated()).Message);
        Assert.Contains("'gipo.weights.supersede-below'",
            Assert.Throws<ConfigurationException>(() => (WeightTransferSettings.Default with { SupersedeBelow = 1.5 }).Validated()).Message);
        Assert.Contains("'gipo.weights.chunk-timeout'",
            Assert.Throws<ConfigurationException>(() => (WeightTransferSettings.Default with { ChunkTimeout = TimeSpan.Zero }).Validated()).Message);
    }

    [Fact(DisplayName = "gipo.weights: --set weights.* is accepted, and reaches the store and fetchers through the actor system's config")]
    public void Set_reaches_the_actor_system()
    {
        var settings = GipoSettings.Load(null,
            ["weights.window=8", "weights.chunk-size=64KiB", "weights.chunk-timeout=750ms", "gipo.weights.supersede-below=0.25"]);
        var read = WeightTransferSettings.Read(settings);
        Assert.Equal(8, read.Window);
        Assert.Equal(64 * 1024, read.ChunkBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(750), read.ChunkTimeout);
        Assert.Equal(0.25, read.SupersedeBelow);
        Assert.Equal(3, read.KeepVersions); // untouched keys keep their defaults

        // What gipo train and gipo node give the actor system; WeightStore and WeightFetcher read it with Create.
        using var system = ActorSystem.Create("weights-settings", WeightTransferSettings.ConfigOf(settings)
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = OFF")));
        Assert.Equal(read, WeightTransferSettings.Create(system));
    }

    [Theory(DisplayName = "gipo.weights: a bad value is refused, naming the key and the --set that gave it")]
    [InlineData("weights.window=0", "gipo.weights.window")]
    [InlineData("weights.keep-versions=-1", "gipo.weights.keep-versions")]
    [InlineData("weights.chunk-size=12", "gipo.weights.chunk-size")]
    [InlineData("weights.chunk-size=lots", "gipo.weights.chunk-size")]
    [InlineData("weights.chunk-timeout=0s", "gipo.weights.chunk-timeout")]
    [InlineData("weights.resubscribe-interval=soon", "gipo.weights.resubscribe-interval")]
    [InlineData("weights.max-retries=-2", "gipo.weights.max-retries")]
    [InlineData("weights.hash-attempts=0", "gipo.weights.hash-attempts")]
    [InlineData("weights.supersede-below=1.5", "gipo.weights.supersede-below")]
    public void Bad_values_are_refused_by_key(string set, string key)
    {
        var settings = GipoSettings.Load(null, [set]);
        var e = Assert.Throws<ArgumentException>(() => WeightTransferSettings.Read(settings));
        Assert.Contains($"'{key}'", e.Message);
        Assert.Contains($"--set {set}", e.Message);
        Assert.Throws<ArgumentException>(() => WeightTransferSettings.ConfigOf(settings));
    }

    [Fact(DisplayName = "gipo.weights: a misspelt key is refused like any other gipo.* key, with the key it meant")]
    public void Unknown_key_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GipoSettings.Load(null, ["weights.windw=8"]));
        Assert.Contains("'gipo.weights.windw'", e.Message);
        Assert.Contains("'gipo.weights.window'", e.Message);
    }

    [Fact(DisplayName = "gipo.weights: an actor system config with a bad value is a ConfigurationException naming the key")]
    public void Bad_actor_system_config_is_a_configuration_exception()
    {
        var config = ConfigurationFactory.ParseString("gipo.weights.window = 0").WithFallback(WeightTransferSettings.Config);
        var e = Assert.Throws<ConfigurationException>(() => WeightTransferSettings.FromConfig(config));
        Assert.Contains("'gipo.weights.window'", e.Message);
    }
}
