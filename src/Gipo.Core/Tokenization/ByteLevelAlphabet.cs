using System.Text;

namespace Gipo.Core.Tokenization;

/// <summary>
/// The GPT-2 byte-to-character table of byte-level BPE: printable Latin-1 bytes stand for
/// themselves and the other 68 bytes are shifted to U+0100 upwards (so a space is 'Ġ').
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = Build();

    public static char ForByte(byte value) => ByteToChar[value];

    /// <summary>The byte-level spelling of <paramref name="text"/>: one character per UTF-8 byte.</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, bytes);
        return string.Create(bytes.Length, bytes, static (chars, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                chars[i] = ByteToChar[source[i]];
            }
        });
    }

    private static char[] Build()
    {
        var table = new char[256];
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)(0x100 + shifted++);
        }

        return table;
    }
}
