namespace Gipo.Core.Tokenization;

/// <summary>
/// Whether a tokenizer can write a task's texts. A character tokenizer without, say, the digits maps them to
/// <c>&lt;unk&gt;</c>: every answer is then wrong, every reward 0, and dynamic sampling filters every group forever.
/// </summary>
public static class TokenizerAlphabet
{
    /// <summary>The distinct characters of <paramref name="texts"/> that do not survive an encode/decode round trip, in order.</summary>
    public static IReadOnlyList<char> Unencodable(ITextTokenizer tokenizer, IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var seen = new SortedSet<char>();
        foreach (var text in texts)
            foreach (var c in text) seen.Add(c);
        return [.. seen.Where(c => !char.IsSurrogate(c) && tokenizer.Decode(tokenizer.Encode(c.ToString()), skipSpecial: true) != c.ToString())];
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the characters <paramref name="tokenizer"/> cannot encode.</summary>
    public static void Require(ITextTokenizer tokenizer, IEnumerable<string> texts, string what)
    {
        var missing = Unencodable(tokenizer, texts);
        if (missing.Count > 0)
            throw new ArgumentException($"the tokenizer of {what} cannot encode {missing.Count} character(s) of the task: " +
                                        $"{string.Join(" ", missing.Select(c => System.Text.Json.JsonSerializer.Serialize(c.ToString())))}; " +
                                        "they would become unknown tokens and every reward would be 0");
    }
}
