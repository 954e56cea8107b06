using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Gipo.Cluster.Serialization;

namespace Gipo.Bench.Pipeline;

/// <summary>
/// <see cref="GipoSerializer"/> with a stopwatch around it, for <c>gipo-bench pipeline</c>: the same identifier and
/// manifests, the same bytes, and while a <see cref="SerializerProbe"/> records, one <see cref="SerializerCall"/> per
/// call (what Akka serializes: persisted events and snapshots, and every message that crosses a node or runs under
/// <c>serialize-messages</c>). Only the benchmark's actor system has it (<see cref="Config"/>); the product's
/// serializer carries no timing code.
/// </summary>
public sealed class TimedGipoSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private readonly GipoSerializer inner = new(system);

    /// <summary>
    /// HOCON laid over a node's config (<c>NodeOptions.ExtraConfig</c>): the serializer named <c>gipo</c>, which the
    /// binding of <see cref="IGipoMessage"/> points at, becomes this decorator. Replacing the entry rather than adding a
    /// second serializer keeps exactly one serializer with identifier <see cref="GipoSerializer.Id"/>, so journaled
    /// payloads decode through it too.
    /// </summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor.serializers.gipo = "{{typeof(TimedGipoSerializer).AssemblyQualifiedNameWithoutVersion()}}"
        """);

    /// <inheritdoc />
    public override int Identifier => inner.Identifier;

    /// <inheritdoc />
    public override string Manifest(object o) => inner.Manifest(o);

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        if (SerializerProbe.Active is not { } probe) return inner.ToBinary(obj);
        var start = Stopwatch.GetTimestamp();
        var bytes = inner.ToBinary(obj);
        probe.Record(start, Stopwatch.GetTimestamp(), obj.GetType(), bytes.Length, encode: true);
        return bytes;
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (SerializerProbe.Active is not { } probe) return inner.FromBinary(bytes, manifest);
        var start = Stopwatch.GetTimestamp();
        var message = inner.FromBinary(bytes, manifest);
        probe.Record(start, Stopwatch.GetTimestamp(), message.GetType(), bytes.Length, encode: false);
        return message;
    }
}
