using System.Buffers.Binary;

namespace Gipo.Cluster.Metrics;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files: each record is its length (uint64, little endian),
/// the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data (<see cref="Crc32c.Masked"/>).
/// </summary>
public static class TfRecordFile
{
    /// <summary>Appends one record holding <paramref name="data"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32c.Masked(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32c.Masked(data));
        stream.Write(header);
        stream.Write(data);
        stream.Write(footer);
    }

    /// <summary>
    /// The records of <paramref name="path"/>, in order. A record cut short at the end (a writer killed mid-record) ends
    /// the list, as TensorBoard's reader treats it; a record whose CRC does not match is an error naming the file and
    /// the byte offset.
    /// </summary>
    public static IReadOnlyList<byte[]> ReadAll(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        var offset = 0;
        while (offset + 12 <= bytes.Length)
        {
            var header = bytes.AsSpan(offset, 12);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != Crc32c.Masked(header[..8]))
                throw new InvalidDataException($"{path}: bad length checksum of the record at byte {offset}");
            var length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (length > (ulong)(bytes.Length - offset - 16)) break; // cut short
            var data = bytes.AsSpan(offset + 12, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 12 + (int)length, 4)) != Crc32c.Masked(data))
                throw new InvalidDataException($"{path}: bad data checksum of the record at byte {offset}");
            records.Add(data.ToArray());
            offset += 16 + (int)length;
        }
        return records;
    }
}
