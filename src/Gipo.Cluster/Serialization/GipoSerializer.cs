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
    public override byte[] ToBinary(object obj) => GipoCodecs.Encode(obj);

    /// <inheritdoc />
    /// <exception cref="SerializationException">Unknown manifest or malformed bytes.</exception>
    public override object FromBinary(byte[] bytes, string manifest) => GipoCodecs.Decode(bytes, manifest);
}
