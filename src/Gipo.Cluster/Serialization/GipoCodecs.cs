using System.Runtime.Serialization;
using System.Text;

namespace Gipo.Cluster.Serialization;

/// <summary>
/// The table of every Gipo wire type: its manifest, its writer and its reader. Usable without an actor system (tests,
/// tools that read a journal). A manifest is a short name plus a format version ("wl1"); a changed layout gets a new
/// version, and the reader of the old one stays so old journals still recover.
/// </summary>
public static class GipoCodecs
{
    private sealed record Codec(Type Type, string Manifest, Action<BinaryWriter, object> Write, Func<BinaryReader, object> Read,
                                Func<object, int>? Size);

    private static readonly Dictionary<Type, Codec> ByType = [];
    private static readonly Dictionary<string, Codec> ByManifest = new(StringComparer.Ordinal);

    // Field initializers above run first, so the tables exist when the codec groups add themselves.
    static GipoCodecs()
    {
        CoordinationCodecs.Register();
        SchedulingCodecs.Register();
        RuntimeCodecs.Register();
    }

    /// <summary>Every manifest this build writes, with its type.</summary>
    public static IReadOnlyDictionary<string, Type> Manifests => ByType.Values.ToDictionary(c => c.Manifest, c => c.Type);

    /// <summary>
    /// Manifests of older layouts this build still reads (journals and snapshots written before), with their type: older
    /// layouts of types written under a newer manifest now, and retired types nothing writes any more.
    /// </summary>
    public static IReadOnlyDictionary<string, Type> LegacyManifests =>
        ByManifest.Where(kv => !ByType.TryGetValue(kv.Value.Type, out var current) || current.Manifest != kv.Key)
            .ToDictionary(kv => kv.Key, kv => kv.Value.Type);

    /// <summary>Whether <paramref name="type"/> has a codec.</summary>
    public static bool Handles(Type type) => ByType.ContainsKey(type);

    /// <summary>The manifest of <paramref name="message"/>'s type.</summary>
    /// <exception cref="ArgumentException">The type has no codec (a programming error: add one to the table).</exception>
    public static string ManifestOf(object message) => CodecOf(message).Manifest;

    /// <summary>The bytes of <paramref name="message"/>.</summary>
    /// <exception cref="ArgumentException">The type has no codec.</exception>
    public static byte[] Encode(object message)
    {
        var codec = CodecOf(message);
        using var stream = new MemoryStream(codec.Size?.Invoke(message) ?? 0);
        using (var w = new BinaryWriter(stream, Wire.Utf8, leaveOpen: true)) codec.Write(w, message);
        // A full buffer is the message exactly: no copy (an exact size, as weight chunks give, makes one allocation in all).
        return stream.Length == stream.Capacity ? stream.GetBuffer() : stream.ToArray();
    }

    /// <summary>The message that <paramref name="bytes"/> encode under <paramref name="manifest"/>.</summary>
    /// <exception cref="SerializationException">
    /// An unknown manifest (remoting then drops the message and keeps the connection), or bytes that are truncated,
    /// malformed or longer than the message.
    /// </exception>
    public static object Decode(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (manifest is null || !ByManifest.TryGetValue(manifest, out var codec))
            throw new SerializationException($"unknown Gipo manifest '{manifest}' ({bytes.Length} bytes): sent by a newer or different build?");
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            using var r = new BinaryReader(stream, Wire.Utf8);
            var message = codec.Read(r);
            if (stream.Position != stream.Length)
                throw new SerializationException($"'{manifest}': {stream.Length - stream.Position} bytes left after the message");
            return message;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or DecoderFallbackException or ArgumentException
                                      or InvalidOperationException or OverflowException)
        {
            throw new SerializationException($"'{manifest}': malformed {codec.Type.Name} ({bytes.Length} bytes): {e.Message}", e);
        }
    }

    private static Codec CodecOf(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ByType.TryGetValue(message.GetType(), out var codec)
            ? codec
            : throw new ArgumentException($"no Gipo codec for {message.GetType().FullName}: add one to the codec table", nameof(message));
    }

    /// <summary>
    /// Adds a reader of an older layout of a type that is written under a newer manifest now, or of a retired type that
    /// nothing writes any more, so journals and snapshots written before the change still read.
    /// </summary>
    internal static void AddReader<T>(string manifest, Func<BinaryReader, T> read) where T : notnull
    {
        var codec = new Codec(typeof(T), manifest, (_, _) => throw new InvalidOperationException($"'{manifest}' is read only"), r => read(r), null);
        if (!ByManifest.TryAdd(manifest, codec)) throw new InvalidOperationException($"manifest '{manifest}' is used twice");
    }

    /// <summary>
    /// Adds one codec; called once per type by the codec groups. <paramref name="size"/>, for types that carry large
    /// blocks, is the exact encoded size (or a lower bound): the buffer is allocated once instead of grown by doubling.
    /// </summary>
    internal static void Add<T>(string manifest, Action<BinaryWriter, T> write, Func<BinaryReader, T> read, Func<T, int>? size = null)
        where T : notnull
    {
        var codec = new Codec(typeof(T), manifest, (w, o) => write(w, (T)o), r => read(r), size is null ? null : o => size((T)o));
        if (!ByType.TryAdd(typeof(T), codec)) throw new InvalidOperationException($"{typeof(T).Name} has two codecs");
        if (!ByManifest.TryAdd(manifest, codec)) throw new InvalidOperationException($"manifest '{manifest}' is used twice");
    }
}
