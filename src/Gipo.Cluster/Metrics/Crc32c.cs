namespace Gipo.Cluster.Metrics;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and the masked form TFRecord framing stores. .NET's
/// <c>System.IO.Hashing</c> has CRC-32 (IEEE) only, and TorchSharp keeps its own CRC-32C internal.
/// </summary>
public static class Crc32c
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>
    /// The CRC as TFRecord stores it: rotated right by 15 bits plus a constant, so a CRC over data that itself holds
    /// CRCs does not degenerate (TensorFlow's <c>crc32c::Mask</c>).
    /// </summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        var crc = Compute(data);
        return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }
}
