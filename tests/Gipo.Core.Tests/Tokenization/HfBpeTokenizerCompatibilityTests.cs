using Gipo.Core.Tokenization;
using static Gipo.Core.Tests.Tokenization.TokenizerFixtures;

namespace Gipo.Core.Tests.Tokenization;

/// <summary>Ids must equal those of Hugging Face tokenizers, as recorded from Tokenizers.js in expected_ids.json.</summary>
public sealed class HfBpeTokenizerCompatibilityTests
{
    private const string DecomposedAccents = "e\u0301";

    private static readonly Dictionary<string, HfBpeTokenizer> Tokenizers = new[] { Qwen2, Gpt2, Llama3 }
        .ToDictionary(name => name, name => HfBpeTokenizer.FromFile(PathOf(name)));

    public static TheoryData<string, int> AllCases => CaseIndexes(Qwen2, Gpt2, Llama3);

    [Fact]
    public void Fixtures_cover_the_tricky_inputs()
    {
        var texts = Cases(Qwen2).Select(c => c.Text).ToArray();
        Assert.True(texts.Length >= 20);
        Assert.Contains(texts, t => t.Contains("😀abc", StringComparison.Ordinal)); // emoji then letters
        Assert.Contains(texts, t => t.Contains("𝐀", StringComparison.Ordinal)); // supplementary-plane letter
        Assert.Contains(texts, t => t.Contains("中文", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains(DecomposedAccents, StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("<|im_start|>", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Encode_matches_tokenizers_js(string fixture, int index)
    {
        var expected = Cases(fixture)[index];
        if (NeedsNormalizationThisRuntimeCannotDo(fixture, expected.Text))
        {
            Assert.Throws<NotSupportedException>(() => Tokenizers[fixture].Encode(expected.Text));
            return;
        }

        Assert.Equal(expected.Ids, Tokenizers[fixture].Encode(expected.Text));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Decode_matches_tokenizers_js(string fixture, int index)
    {
        var expected = Cases(fixture)[index];

        Assert.Equal(expected.Decoded, Tokenizers[fixture].Decode(expected.Ids, skipSpecial: false));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Decode_of_encode_restores_text_without_a_normalizer(string fixture, int index)
    {
        var text = Cases(fixture)[index].Text;
        if (fixture == Qwen2 && text.Contains(DecomposedAccents, StringComparison.Ordinal))
        {
            return; // NFC legitimately rewrites it; Decode_matches_tokenizers_js pins the NFC form.
        }

        Assert.Equal(text, Tokenizers[fixture].Decode(Tokenizers[fixture].Encode(text), skipSpecial: false));
    }

    [Fact]
    public void Reference_applied_nfc_to_the_decomposed_accents()
    {
        var expected = Cases(Qwen2).Single(c => c.Text.Contains(DecomposedAccents, StringComparison.Ordinal));

        Assert.Equal("decomposed: \u00E9 \u00E4 \u00F1 and precomposed: \u00E9 \u00E4 \u00F1", expected.Decoded);
    }

    /// <summary>
    /// The Qwen2-style file asks for NFC: text that NFC changes must encode exactly as its composed form does
    /// (ICU is on in this project, see Directory.Build.props; invariant mode would refuse such text instead).
    /// </summary>
    [Theory]
    [InlineData("cafe\u0301", "caf\u00E9")] // combining acute accent
    [InlineData("\u1100\u1161", "\uAC00")] // Hangul jamo that compose to 가
    [InlineData("\uF900", "\u8C48")] // CJK compatibility ideograph
    public void Nfc_normalises_before_tokenizing(string text, string composed)
    {
        Assert.False(IsInvariantGlobalization());
        Assert.Equal(Tokenizers[Qwen2].Encode(composed), Tokenizers[Qwen2].Encode(text));
        Assert.NotEqual(Tokenizers[Gpt2].Encode(composed), Tokenizers[Gpt2].Encode(text)); // no normaliser there
    }

    private static bool NeedsNormalizationThisRuntimeCannotDo(string fixture, string text) =>
        fixture == Qwen2 && text.Contains(DecomposedAccents, StringComparison.Ordinal) && IsInvariantGlobalization();

    private static bool IsInvariantGlobalization() => "e\u0301".Normalize() != "\u00E9";
}
