using System.Buffers.Binary;
using Tensorboard;

namespace Gipo.Cluster.Tests.Metrics;

/// <summary>
/// A reader of TensorBoard event files written for the tests, independent of the code under test: TFRecord framing
/// (uint64 length, masked CRC-32C of it, data, masked CRC-32C of the data) checked with a bit-by-bit CRC-32C, each
/// record parsed as TorchSharp's generated <see cref="Event"/>. Any bad checksum or cut record fails the test.
/// </summary>
internal static class TensorBoardEventReader
{
    /// <summary>Every event of <paramref name="file"/>, in order.</summary>
    public static List<Event> Read(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var events = new List<Event>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            Assert.True(offset + 12 <= bytes.Length, $"{file}: record header cut at byte {offset}");
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset));
            Assert.Equal(Masked(bytes.AsSpan(offset, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 8)));
            Assert.True(offset + 16 + length <= bytes.Length, $"{file}: record data cut at byte {offset}");
            var data = bytes.AsSpan(offset + 12, length);
            Assert.Equal(Masked(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 12 + length)));
            events.Add(Event.Parser.ParseFrom(data.ToArray()));
            offset += 16 + length;
        }
        return events;
    }

    /// <summary>The scalar events of every file of <paramref name="directory"/>, files in name order (as TensorBoard reads them).</summary>
    public static List<(long Step, string Tag, float Value)> Scalars(string directory) =>
        [.. Directory.GetFiles(directory, "events.out.tfevents.*").Order(StringComparer.Ordinal)
            .SelectMany(Read)
            .Where(e => e.Summary is not null)
            .SelectMany(e => e.Summary.Value.Select(v => (e.Step, v.Tag, v.SimpleValue)))];

    private static uint Masked(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        crc ^= 0xFFFFFFFFu;
        return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
    }
}
