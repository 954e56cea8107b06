using System.Buffers.Binary;
using System.Text;

namespace Gipo.Model.Native;

/// <summary>
/// Edits the version-needs table (<c>.gnu.version_r</c>) of an ELF64 little-endian shared object:
/// marks one required symbol version as weak (<c>VER_FLG_WEAK</c>), so the dynamic loader only warns when the
/// system library lacks that version instead of refusing to load. Pure byte manipulation, testable without torch.
/// </summary>
public static class ElfVersionPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>One entry of the version-needs table.</summary>
    public sealed record VersionNeed(string File, string Version, ushort Flags)
    {
        public bool IsWeak => (Flags & VerFlgWeak) != 0;
    }

    /// <summary>Lists every (library, version) requirement of the image.</summary>
    public static IReadOnlyList<VersionNeed> ReadVersionNeeds(ReadOnlySpan<byte> elf)
    {
        var needs = new List<VersionNeed>();
        foreach (var (file, version, flags, _) in Walk(elf))
            needs.Add(new VersionNeed(file, version, flags));
        return needs;
    }

    /// <summary>
    /// Sets the weak flag on every requirement of <paramref name="version"/>. Returns how many entries changed
    /// (0 when already weak or absent).
    /// </summary>
    public static int MarkVersionWeak(byte[] elf, string version)
    {
        var changed = 0;
        foreach (var (_, v, flags, flagsOffset) in Walk(elf))
        {
            if (v != version || (flags & VerFlgWeak) != 0) continue;
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(flagsOffset), (ushort)(flags | VerFlgWeak));
            changed++;
        }
        return changed;
    }

    private static List<(string File, string Version, ushort Flags, int FlagsOffset)> Walk(ReadOnlySpan<byte> b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (b[4] != 2 || b[5] != 1)
            throw new InvalidDataException("only ELF64 little-endian images are supported");

        var shoff = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(b[0x28..]));
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(b[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(b[0x3C..]);
        var result = new List<(string, string, ushort, int)>();
        for (var i = 0; i < shnum; i++)
        {
            var sh = b.Slice(shoff + i * shentsize, shentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            var offset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]));
            var link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            var count = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]); // sh_info = number of Verneed entries
            var strSh = b.Slice(shoff + link * shentsize, shentsize);
            var strOff = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x18..]));

            var need = offset;
            for (var n = 0; n < count; n++)
            {
                // Elf64_Verneed { u16 version, u16 cnt, u32 file, u32 aux, u32 next }
                int cnt = BinaryPrimitives.ReadUInt16LittleEndian(b[(need + 2)..]);
                var file = CString(b, strOff + (int)BinaryPrimitives.ReadUInt32LittleEndian(b[(need + 4)..]));
                var aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(b[(need + 8)..]);
                for (var a = 0; a < cnt; a++)
                {
                    // Elf64_Vernaux { u32 hash, u16 flags, u16 other, u32 name, u32 next }
                    var flags = BinaryPrimitives.ReadUInt16LittleEndian(b[(aux + 4)..]);
                    var name = CString(b, strOff + (int)BinaryPrimitives.ReadUInt32LittleEndian(b[(aux + 8)..]));
                    result.Add((file, name, flags, aux + 4));
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(b[(aux + 12)..]);
                }
                need += (int)BinaryPrimitives.ReadUInt32LittleEndian(b[(need + 12)..]);
            }
        }
        return result;
    }

    private static string CString(ReadOnlySpan<byte> b, int offset)
    {
        var end = b[offset..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(b.Slice(offset, end));
    }
}
