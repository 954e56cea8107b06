namespace Gipo.Core.Verification;

/// <summary>
/// Python's view of a string, for the ports of Python scorers: <c>len()</c>, indexing and slicing count code points,
/// where .NET counts UTF-16 units (an emoji is one character there and two here).
/// </summary>
internal static class PythonText
{
    /// <summary><c>len(text)</c>.</summary>
    public static int Length(string text)
    {
        var n = 0;
        for (var i = 0; i < text.Length; i += Width(text, i)) n++;
        return n;
    }

    /// <summary>UTF-16 units of the code point at <paramref name="index"/>: 2 for a surrogate pair, else 1.</summary>
    public static int Width(string text, int index) =>
        index + 1 < text.Length && char.IsHighSurrogate(text[index]) && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;

    /// <summary><c>text[-count:]</c>: the last <paramref name="count"/> code points (all of a shorter text).</summary>
    public static string Last(string text, int count)
    {
        var start = text.Length;
        for (var n = 0; n < count && start > 0; n++)
            start -= start >= 2 && char.IsLowSurrogate(text[start - 1]) && char.IsHighSurrogate(text[start - 2]) ? 2 : 1;
        return text[start..];
    }
}
