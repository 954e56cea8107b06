using Akka.Actor;
using Akka.Configuration;
using Akka.Remote;
using Gipo.Cluster.Configuration;

namespace Gipo.Cluster.Weights;

/// <summary>
/// How weights travel from a <see cref="WeightStore"/> to its <see cref="WeightFetcher"/>s: the actor system's
/// <c>gipo.weights</c> section, documented with its defaults in <c>hocon/gipo.conf</c> (a run's values get there through
/// <see cref="ConfigOf"/>). Every node must use the same chunk size.
/// <para>
/// Chunks and frames: every remote message is one frame of at most
/// <c>akka.remote.dot-netty.tcp.maximum-frame-size</c> bytes (Gipo's nodes: 4MiB, <c>hocon/akka-node.conf</c>; Akka's default is 128000b), and a
/// frame in flight holds up everything behind it on the node pair's single TCP connection, cluster heartbeats included. So weights
/// go as chunks that fit a frame with room for the envelope (<see cref="EnvelopeBytes"/>), and only
/// <see cref="Window"/> of them are in flight per puller: with the defaults (256 KiB chunks, 4 in flight, 1 MiB
/// frames of hocon/akka-node.conf) a heartbeat waits behind at most about 1 MiB.
/// </para>
/// <para>
/// Chunks and the GC: a chunk is copied about six times between the store's blob and the fetcher's buffer (encode,
/// protobuf envelope, frame, decode). With .NET's default large-object threshold (85,000 bytes) every copy of a
/// 256 KiB chunk is a large object, and large-object allocation triggers full collections over a heap that holds
/// the blobs: measured 4-8x slower transfers on loopback. So gipo's runtimeconfig sets <c>System.GC.LOHThreshold</c>
/// to 2 MiB; a host without it gets <see cref="LargeObjectHeapWarning"/> logged by the store and fetchers.
/// </para>
/// </summary>
/// <param name="ChunkBytes">Bytes per <see cref="WeightChunk"/> (<c>chunk-size</c>); the store refuses larger pulls.</param>
/// <param name="Window">Chunks a fetcher keeps requested and unanswered (<c>window</c>).</param>
/// <param name="KeepVersions">
/// Versions the store holds (<c>keep-versions</c>). More than one, so a fetcher still transferring version v when
/// v+1 (and v+2) are published can finish v instead of starting over: when publishing is faster than a transfer,
/// starting over every time would never deliver anything (see <see cref="SupersedeBelow"/>). Each costs a model's
/// size of memory on the store's node.
/// </param>
/// <param name="ChunkTimeout">A fetcher that got no chunk for this long re-requests the ones in flight (<c>chunk-timeout</c>).</param>
/// <param name="MaxRetries">Timeouts in a row after which a transfer is abandoned until the next announcement (<c>max-retries</c>).</param>
/// <param name="HashAttempts">Transfers of one version whose hash did not match before the fetcher gives that version up
/// (<c>hash-attempts</c>).</param>
/// <param name="ResubscribeInterval">How often a fetcher with no store yet, or whose store died, re-sends its subscription
/// (<c>resubscribe-interval</c>).</param>
/// <param name="SupersedeBelow">
/// A newer announcement replaces the transfer in progress while less than this fraction of it has arrived (or
/// while it is stalled); past that, the transfer finishes and the newer version is fetched right after
/// (<c>supersede-below</c>). 1 = always replace, 0 = never.
/// </param>
public sealed record WeightTransferSettings(
    int ChunkBytes, int Window, int KeepVersions, TimeSpan ChunkTimeout, int MaxRetries, int HashAttempts, TimeSpan ResubscribeInterval,
    double SupersedeBelow)
{
    /// <summary>Room left in a frame for what Akka wraps around a chunk: recipient and sender paths, manifest, sequence numbers.</summary>
    public const int EnvelopeBytes = 16 * 1024;

    /// <summary>The HOCON key of the remote frame limit that chunks must fit.</summary>
    public const string FrameSizeKey = "akka.remote.dot-netty.tcp.maximum-frame-size";

    /// <summary>
    /// The defaults — <c>hocon/gipo.conf</c>'s <c>gipo.weights</c> section — and the nodes' frame limit
    /// (<c>hocon/akka-node.conf</c>), each read from the one file that writes it: use as a fallback of an actor
    /// system's config. A config that sets its own frame size or <c>gipo.weights</c> keys wins (<see cref="ConfigOf"/>
    /// gives a run's).
    /// </summary>
    public static Config Config { get; } = ComputedConfig.Of((FrameSizeKey, AkkaReference.Node.GetByteSize(FrameSizeKey, null)!.Value))
        .WithFallback(GipoSettings.Load().SectionConfig(Section));

    /// <summary>The defaults of <see cref="Config"/>, without a frame check (a local actor system has no frames).</summary>
    public static WeightTransferSettings Default { get; } = FromConfig(Config);

    /// <summary>
    /// The <c>gipo.weights</c> keys of <paramref name="settings"/> (defaults, preset and <c>--set</c>), as an actor system
    /// config: what a node adds to its own so that its store and fetchers (<see cref="Create"/>) use the run's values.
    /// </summary>
    public static Config ConfigOf(GipoSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Read(settings);
        return settings.SectionConfig(Section);
    }

    /// <summary>
    /// The settings of <paramref name="system"/> (its <c>gipo.weights</c> over the defaults), checked against its
    /// remote frame limit when it has remoting.
    /// </summary>
    /// <exception cref="ConfigurationException">A value is out of range, or a chunk does not fit a frame.</exception>
    public static WeightTransferSettings Create(ActorSystem system)
    {
        var config = system.Settings.Config;
        var settings = FromConfig(config.WithFallback(Config));
        if (system is ExtendedActorSystem { Provider: IRemoteActorRefProvider })
            settings.CheckFits(config.GetByteSize(FrameSizeKey, null) ?? 128000);
        return settings;
    }

    /// <summary>Reads <c>gipo.weights</c> of a run's settings, like every other <c>gipo.*</c> section.</summary>
    /// <exception cref="ArgumentException">A value is missing or out of range; the message names the key and who set it.</exception>
    public static WeightTransferSettings Read(GipoSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Read(settings.Section(Section));
    }

    /// <summary>Reads <c>gipo.weights</c> from an actor system's <paramref name="config"/> (every key must be present).</summary>
    /// <exception cref="ConfigurationException">A value is missing or out of range; the message names the key.</exception>
    public static WeightTransferSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        try
        {
            return Read(new SettingsSection(config, $"gipo.{Section}", _ => "actor system config"));
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    // The one typed read of the section, and so the one place its ranges are written (Validated uses it too).
    private static WeightTransferSettings Read(SettingsSection s) => new(
        (int)s.ByteSize("chunk-size", MinChunkBytes, int.MaxValue), s.Int("window", 1), s.Int("keep-versions", 1),
        s.PositiveDuration("chunk-timeout"), s.Int("max-retries", 0), s.Int("hash-attempts", 1), s.PositiveDuration("resubscribe-interval"),
        s.Double("supersede-below", 0, 1));

    private const string Section = "weights";

    private const int MinChunkBytes = 1024;

    /// <summary>
    /// This, after checking every value's range (for settings built in code) with the one typed read of the section
    /// that checks a run's settings, so each range is written once.
    /// </summary>
    /// <exception cref="ConfigurationException">A value is out of range; the message names the key.</exception>
    public WeightTransferSettings Validated()
    {
        FromConfig(ToConfig());
        return this;
    }

    /// <summary>These settings as the actor system config section <c>gipo.weights</c> (durations in whole milliseconds).</summary>
    public Config ToConfig() => ComputedConfig.Of(
        ($"gipo.{Section}.chunk-size", (long)ChunkBytes), ($"gipo.{Section}.window", Window), ($"gipo.{Section}.keep-versions", KeepVersions),
        ($"gipo.{Section}.chunk-timeout", ChunkTimeout), ($"gipo.{Section}.max-retries", MaxRetries), ($"gipo.{Section}.hash-attempts", HashAttempts),
        ($"gipo.{Section}.resubscribe-interval", ResubscribeInterval), ($"gipo.{Section}.supersede-below", SupersedeBelow));

    /// <summary>
    /// Null when a chunk with its envelope stays below this process's large-object threshold; otherwise why transfers
    /// will be slow and how to fix it.
    /// </summary>
    public string? LargeObjectHeapWarning()
    {
        var threshold = GC.GetConfigurationVariables().TryGetValue("LOHThreshold", out var v) ? Convert.ToInt64(v) : 85_000;
        return (long)ChunkBytes + EnvelopeBytes < threshold
            ? null
            : $"weight chunks of {ChunkBytes} bytes are large objects here (GC large-object threshold {threshold} bytes): " +
              $"every copy on the remoting " +
              "path goes to the large-object heap and transfers run several times slower. Set System.GC.LOHThreshold above chunk-size + 16KiB " +
              "(gipo's runtimeconfig sets 2 MiB) or lower 'gipo.weights.chunk-size' to 64KiB.";
    }

    /// <summary>Checks that a chunk and its envelope fit a remote frame of <paramref name="frameBytes"/>.</summary>
    /// <exception cref="ConfigurationException">They do not; the message names both keys and a fix.</exception>
    public void CheckFits(long frameBytes)
    {
        if ((long)ChunkBytes + EnvelopeBytes > frameBytes)
            throw new ConfigurationException(
                $"'gipo.weights.chunk-size' = {ChunkBytes} bytes does not fit '{FrameSizeKey}' = {frameBytes} bytes with {EnvelopeBytes} bytes " +
                $"for the envelope: every weight chunk would be dropped by remoting. Raise the frame size (hocon/akka-node.conf sets " +
                "4MiB) or lower the chunk size");
    }
}
