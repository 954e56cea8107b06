using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Gipo.Cluster.Configuration;

namespace Gipo.Cluster.Serialization;

/// <summary>
/// The serializer of every <see cref="IGipoMessage"/>: messages between actors (and nodes) and persisted events and
/// snapshots, with short versioned string manifests (see <see cref="GipoCodecs"/>).
/// <para>
/// Why a hand-written <see cref="BinaryWriter"/> codec and not MessagePack contracts: the records it carries
/// (<c>ScoredGroup</c>, <c>Trajectory</c>, …) live in Gipo.Core, which must stay free of serialization attributes and
/// packages; the byte layout of journaled events is then written down in one file rather than implied by attribute
/// keys and a resolver's defaults; numeric arrays go as raw blocks; nothing is reflected or code-generated at run time;
/// and no type name ever travels, so a payload can only decode to the type its manifest names. The price is a codec
/// per type, which the round-trip tests check for every manifest.
/// </para>
/// </summary>
public sealed class GipoSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Stable forever: journals store it beside every event.</summary>
    public const int Id = 4711;

    /// <summary>
    /// The HOCON that registers this serializer and binds <see cref="IGipoMessage"/> to it: <c>hocon/akka-actors.conf</c>
    /// (<see cref="AkkaReference.Actors"/>, which also defines the torch dispatcher).
    /// </summary>
    public static Config Config => AkkaReference.Actors;

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override string Manifest(object o) => GipoCodecs.ManifestOf(o);

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        if (SerializerProbe.Active is not { } probe) return GipoCodecs.Encode(obj);
        var start = Stopwatch.GetTimestamp();
        var bytes = GipoCodecs.Encode(obj);
        probe.Record(start, Stopwatch.GetTimestamp(), obj.GetType(), bytes.Length, encode: true);
        return bytes;
    }

    /// <inheritdoc />
    /// <exception cref="SerializationException">Unknown manifest or malformed bytes.</exception>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (SerializerProbe.Active is not { } probe) return GipoCodecs.Decode(bytes, manifest);
        var start = Stopwatch.GetTimestamp();
        var message = GipoCodecs.Decode(bytes, manifest);
        probe.Record(start, Stopwatch.GetTimestamp(), message.GetType(), bytes.Length, encode: false);
        return message;
    }
}

/// <summary>
/// An opt-in record of every call of <see cref="GipoSerializer"/> (what Akka serializes: persisted events and
/// snapshots, and every message that crosses a node or runs under <c>serialize-messages</c>), for
/// <c>gipo bench pipeline</c>. Off unless <see cref="Start"/> was called: the serializer then pays one static read.
/// </summary>
public sealed class SerializerProbe : IDisposable
{
    private static readonly Lock Gate = new();
    private static volatile SerializerProbe? active;
    private readonly ConcurrentQueue<SerializerCall> calls = new();

    private SerializerProbe()
    {
    }

    /// <summary>The probe that records now, if any (one per process).</summary>
    internal static SerializerProbe? Active => active;

    /// <summary>Starts recording; dispose to stop.</summary>
    /// <exception cref="InvalidOperationException">Another probe records already.</exception>
    public static SerializerProbe Start()
    {
        var probe = new SerializerProbe();
        lock (Gate)
        {
            if (active is not null) throw new InvalidOperationException("a serializer probe is already recording");
            active = probe;
        }
        return probe;
    }

    /// <summary>Every call so far, in no particular order.</summary>
    public IReadOnlyList<SerializerCall> Calls => [.. calls];

    internal void Record(long start, long end, Type type, int bytes, bool encode) => calls.Enqueue(new SerializerCall(start, end, type, bytes, encode));

    /// <inheritdoc />
    public void Dispose()
    {
        lock (Gate)
        {
            if (ReferenceEquals(active, this)) active = null;
        }
    }
}

/// <summary>One serializer call: <see cref="Stopwatch.GetTimestamp"/> before and after, the message type, the payload size.</summary>
/// <param name="Encode">True for <c>ToBinary</c>, false for <c>FromBinary</c>.</param>
public readonly record struct SerializerCall(long Start, long End, Type Type, int Bytes, bool Encode)
{
    /// <summary>The call's duration.</summary>
    public double Seconds => (End - Start) / (double)Stopwatch.Frequency;
}

internal static class TypeNames
{
    /// <summary>"Namespace.Type, Assembly": what HOCON bindings expect, without a version that would change every build.</summary>
    public static string AssemblyQualifiedNameWithoutVersion(this Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
