using System.Text.Json;

namespace Gipo.Core.Tests.Tokenization;

/// <summary>The tokenizer fixtures and the ids Tokenizers.js produced for them (see Fixtures/tokenizer/README.md).</summary>
internal static class TokenizerFixtures
{
    public const string Qwen2 = "bpe-qwen2.tokenizer.json";
    public const string Gpt2 = "bpe-gpt2.tokenizer.json";
    public const string Llama3 = "bpe-llama3.tokenizer.json";
    public const string CharLevel = "char.tokenizer.json";

    // Reduced copies of real files, with ids from the full files (see Fixtures/tokenizer/README.md).
    public const string RealQwen3 = "real-qwen3.tokenizer.json";
    public const string RealLlama3 = "real-llama3.tokenizer.json";
    public const string RealGemma3 = "real-gemma3.tokenizer.json";
    public const string RealMistral = "real-mistral.tokenizer.json";
    public const string RealMistralMetaspace = "real-mistral-metaspace.tokenizer.json";
    public const string RealMistralGemmaForm = "real-mistral-gemma-form.tokenizer.json";

    private static readonly Lazy<Dictionary<string, ExpectedCase[]>> Expected = new(() => LoadExpected("expected_ids.json"));
    private static readonly Lazy<Dictionary<string, ExpectedCase[]>> RealExpected = new(() => LoadExpected("real_expected_ids.json"));

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizer", name);

    public static string Read(string name) => File.ReadAllText(PathOf(name));

    public static IReadOnlyList<ExpectedCase> Cases(string fixture) => Expected.Value[fixture];

    public static IReadOnlyList<ExpectedCase> RealCases(string fixture) => RealExpected.Value[fixture];

    /// <summary>(fixture, case index) pairs over the real-family fixtures.</summary>
    public static TheoryData<string, int> RealCaseIndexes(params string[] fixtures)
    {
        var data = new TheoryData<string, int>();
        foreach (var fixture in fixtures)
        {
            for (var i = 0; i < RealCases(fixture).Count; i++)
            {
                data.Add(fixture, i);
            }
        }

        return data;
    }

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

    private static Dictionary<string, ExpectedCase[]> LoadExpected(string file)
    {
        using var document = JsonDocument.Parse(Read(file));
        return document.RootElement.GetProperty("fixtures").EnumerateObject().ToDictionary(
            fixture => fixture.Name,
            fixture => fixture.Value.EnumerateArray().Select(c => new ExpectedCase(
                c.GetProperty("text").GetString()!,
                c.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray(),
                c.GetProperty("decoded").GetString()!)).ToArray());
    }
}
