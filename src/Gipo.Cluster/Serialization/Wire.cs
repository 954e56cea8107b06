using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;

namespace Gipo.Cluster.Serialization;

/// <summary>
/// The primitives of Gipo's binary wire format, over <see cref="BinaryWriter"/>/<see cref="BinaryReader"/>:
/// little-endian fixed-width numbers, UTF-8 strings with a 7-bit-encoded length, counts as 7-bit-encoded integers,
/// numeric arrays as raw little-endian blocks, enums as one byte checked on read. Readers throw
/// <see cref="SerializationException"/> on anything malformed, never return garbage.
/// </summary>
internal static class Wire
{
    // No message of ours carries more than this many elements in one array; a larger count is corruption, and
    // refusing it before allocating keeps a bad frame from asking for gigabytes.
    private const int MaxCount = 1 << 28;

    public static void WriteCount(this BinaryWriter w, int count) => w.Write7BitEncodedInt(count);

    public static int ReadCount(this BinaryReader r)
    {
        var n = r.Read7BitEncodedInt();
        if (n < 0 || n > MaxCount) throw new SerializationException($"element count {n} is out of range");
        return n;
    }

    public static void WriteString(this BinaryWriter w, string value) =>
        w.Write(value ?? throw new SerializationException("null string where one is required"));

    public static void WriteNullableString(this BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    public static string? ReadNullableString(this BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    /// <summary>UTC instants as ticks; every instant Gipo persists is UTC.</summary>
    public static void WriteUtc(this BinaryWriter w, DateTime value) => w.Write(value.ToUniversalTime().Ticks);

    public static DateTime ReadUtc(this BinaryReader r)
    {
        var ticks = r.ReadInt64();
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) throw new SerializationException($"instant {ticks} is out of range");
        return new DateTime(ticks, DateTimeKind.Utc);
    }

    public static void WriteEnum<T>(this BinaryWriter w, T value) where T : struct, Enum => w.Write(Convert.ToByte(value));

    public static T ReadEnum<T>(this BinaryReader r) where T : struct, Enum
    {
        var b = r.ReadByte();
        var value = (T)Enum.ToObject(typeof(T), b);
        if (!Enum.IsDefined(value)) throw new SerializationException($"{b} is not a {typeof(T).Name}");
        return value;
    }

    public static void WriteBlock<T>(this BinaryWriter w, ReadOnlySpan<T> values) where T : unmanaged
    {
        w.WriteCount(values.Length);
        w.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Encoded size of a block of <paramref name="bytes"/> bytes: its 7-bit-encoded count, then the bytes.</summary>
    public static int BlockSize(int bytes) => bytes + (bytes < 1 << 7 ? 1 : bytes < 1 << 14 ? 2 : bytes < 1 << 21 ? 3 : bytes < 1 << 28 ? 4 : 5);

    public static T[] ReadBlock<T>(this BinaryReader r) where T : unmanaged
    {
        var n = r.ReadCount();
        var values = new T[n];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        if (r.Read(bytes) != bytes.Length) throw new SerializationException("array block is truncated");
        return values;
    }

    public static void WriteList<T>(this BinaryWriter w, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        w.WriteCount(items.Count);
        foreach (var item in items) write(w, item);
    }

    public static T[] ReadList<T>(this BinaryReader r, Func<BinaryReader, T> read)
    {
        var n = r.ReadCount();
        var items = new T[n];
        for (var i = 0; i < n; i++) items[i] = read(r);
        return items;
    }

    public static void WriteOptional<T>(this BinaryWriter w, T? value, Action<BinaryWriter, T> write) where T : class
    {
        w.Write(value is not null);
        if (value is not null) write(w, value);
    }

    public static T? ReadOptional<T>(this BinaryReader r, Func<BinaryReader, T> read) where T : class => r.ReadBoolean() ? read(r) : null;

    public static void WriteOptional<T>(this BinaryWriter w, T? value, Action<BinaryWriter, T> write) where T : struct
    {
        w.Write(value.HasValue);
        if (value.HasValue) write(w, value.Value);
    }

    public static T? ReadOptionalValue<T>(this BinaryReader r, Func<BinaryReader, T> read) where T : struct => r.ReadBoolean() ? read(r) : null;

    /// <summary>Strict UTF-8, so a corrupt string fails rather than decoding to replacement characters.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
