using System.Text.Json;

namespace Gipo.Core.Tests.Tokenization;

/// <summary>The tokenizer fixtures and the ids Tokenizers.js produced for them (see Fixtures/tokenizer/README.md).</summary>
internal static class TokenizerFixtures
{
    public const string Qwen2 = "bpe-qwen2.tokenizer.json";
    public const string Gpt2 = "bpe-gpt2.tokenizer.json";
    public const string Llama3 = "bpe-llama3.tokenizer.json";
    public const string CharLevel = "char.tokenizer.json";

    private static readonly Lazy<Dictionary<string, ExpectedCase[]>> Expected = new(LoadExpected);

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizer", name);

    public static string Read(string name) => File.ReadAllText(PathOf(name));

    public static IReadOnlyList<ExpectedCase> Cases(string fixture) => Expected.Value[fixture];

    /// <summary>(fixture, case index) pairs for a theory; the index keeps test names short and stable.</summary>
    public static TheoryData<string, int> CaseIndexes(params string[] fixtures)
    {
        var data = new TheoryData<string, int>();
        foreach (var fixture in fixtures)
        {
            for (var i = 0; i < Cases(fixture).Count; i++)
            {
                data.Add(fixture, i);
            }
        }

        return data;
    }

    private static Dictionary<string, ExpectedCase[]> LoadExpected()
    {
        using var document = JsonDocument.Parse(Read("expected_ids.json"));
        return document.RootElement.GetProperty("fixtures").EnumerateObject().ToDictionary(
            fixture => fixture.Name,
            fixture => fixture.Value.EnumerateArray().Select(c => new ExpectedCase(
                c.GetProperty("text").GetString()!,
                c.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray(),
                c.GetProperty("decoded").GetString()!)).ToArray());
    }
}

internal sealed record ExpectedCase(string Text, int[] Ids, string Decoded);
