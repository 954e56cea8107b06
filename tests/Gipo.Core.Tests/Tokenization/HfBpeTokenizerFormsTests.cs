using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gipo.Core.Tokenization;
using static Gipo.Core.Tests.Tokenization.TokenizerFixtures;

namespace Gipo.Core.Tests.Tokenization;

/// <summary>
/// Other spellings of the supported pipelines load and mean what Hugging Face makes them mean (tokenizers'
/// <c>pattern.rs</c>, <c>normalizer.rs</c> <c>split</c>, <c>metaspace.rs</c>), and unsupported ones name the feature.
/// </summary>
public sealed class HfBpeTokenizerFormsTests
{
    [Fact]
    public void An_empty_normalizer_sequence_is_no_normalizer()
    {
        var json = JsonNode.Parse(Read(Gpt2))!;
        json["normalizer"] = JsonNode.Parse("""{"type":"Sequence","normalizers":[]}""");
        var tokenizer = HfBpeTokenizer.FromJson(json.ToJsonString());

        Assert.All(Cases(Gpt2), expected => Assert.Equal(expected.Ids, tokenizer.Encode(expected.Text)));
    }

    [Fact]
    public void Nfc_inside_a_sequence_is_nfc()
    {
        var json = JsonNode.Parse(Read(Qwen2))!;
        json["normalizer"] = JsonNode.Parse("""{"type":"Sequence","normalizers":[{"type":"Sequence","normalizers":[]},{"type":"NFC"}]}""");
        var tokenizer = HfBpeTokenizer.FromJson(json.ToJsonString());

        Assert.All(Cases(Qwen2), expected => Assert.Equal(expected.Ids, tokenizer.Encode(expected.Text)));
    }

    [Theory]
    [InlineData(Qwen2)]
    [InlineData(Llama3)]
    [InlineData(RealQwen3)]
    [InlineData(RealLlama3)]
    public void Split_written_as_removed_and_inverted_equals_isolated_for_a_pattern_that_leaves_no_gaps(string fixture)
    {
        var json = JsonNode.Parse(Read(fixture))!;
        var split = json["pre_tokenizer"]!["pretokenizers"]![0]!;
        Assert.Equal("Isolated", split["behavior"]!.GetValue<string>());
        split["behavior"] = "Removed";
        split["invert"] = true;
        var tokenizer = HfBpeTokenizer.FromJson(json.ToJsonString());

        var cases = fixture.StartsWith("real-", StringComparison.Ordinal) ? RealCases(fixture) : Cases(fixture);
        Assert.All(cases, expected => Assert.Equal(expected.Ids, tokenizer.Encode(expected.Text)));
    }

    /// <summary>The example of Hugging Face's <c>NormalizedString::split</c> documentation: "the-final--countdown" split on '-'.</summary>
    [Theory]
    [InlineData("Isolated", false, "the|-|final|-|-|countdown")]
    [InlineData("Isolated", true, "the|-|final|-|-|countdown")] // inverting changes nothing
    [InlineData("Removed", false, "the|final|countdown")]
    [InlineData("Removed", true, "-|-|-")] // only the matches remain
    [InlineData("MergedWithPrevious", false, "the-|final-|-|countdown")]
    [InlineData("MergedWithNext", false, "the|-final|-|-countdown")]
    [InlineData("Contiguous", false, "the|-|final|--|countdown")]
    public void Split_keeps_what_the_behavior_says(string behavior, bool invert, string expected)
    {
        var splitter = new RegexSplitter([new SplitRule(new Regex("-"), Enum.Parse<SplitBehavior>(behavior), invert)]);
        var pieces = new List<(int Start, int Length)>();
        const string text = "the-final--countdown";

        splitter.Split(text, pieces);

        Assert.Equal(expected, string.Join('|', pieces.Select(p => text.Substring(p.Start, p.Length))));
    }

    [Fact]
    public void Removed_and_inverted_drops_text_the_pattern_does_not_match()
    {
        var json = JsonNode.Parse(Read(Qwen2))!;
        json["pre_tokenizer"]!["pretokenizers"]![0] =
            JsonNode.Parse("""{"type":"Split","pattern":{"Regex":"\\d+"},"behavior":"Removed","invert":true}""");
        var digitsOnly = HfBpeTokenizer.FromJson(json.ToJsonString());

        Assert.Equal("1234", digitsOnly.Decode(digitsOnly.Encode("ab 12 cd 34")));
    }

    [Fact]
    public void An_unknown_split_behavior_is_refused_by_name()
    {
        var json = JsonNode.Parse(Read(Qwen2))!;
        json["pre_tokenizer"]!["pretokenizers"]![0]!["behavior"] = "Glued";

        var error = Assert.Throws<InvalidDataException>(() => HfBpeTokenizer.FromJson(json.ToJsonString()));
        Assert.Contains("behavior \"Glued\"", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>split: true</c> (the default, and the older Llama-2 files) cuts before every "▁" (MergedWithNext), so a
    /// run of spaces is one "▁" token each; <c>split: false</c> keeps "▁▁▁" whole for the merges (Tokenizers.js gives
    /// the latter for both, so the former is pinned here from the Rust source).
    /// </summary>
    [Fact]
    public void Metaspace_split_cuts_before_every_replacement_character()
    {
        var pieces = new List<string>();
        new MetaspaceSplitter('\u2581', PrependScheme.Always, Split: true).Apply("Hello   world", startsInput: false, pieces);
        Assert.Equal(["\u2581Hello", "\u2581", "\u2581", "\u2581world"], pieces);

        pieces.Clear();
        new MetaspaceSplitter('\u2581', PrependScheme.First, Split: false).Apply("Hello   world", startsInput: false, pieces);
        Assert.Equal(["Hello\u2581\u2581\u2581world"], pieces);

        var json = JsonNode.Parse(Read(RealMistralMetaspace))!;
        var unsplit = HfBpeTokenizer.FromJson(json.ToJsonString());
        json["pre_tokenizer"]!["split"] = true;
        var split = HfBpeTokenizer.FromJson(json.ToJsonString());
        Assert.Equal(2, split.Encode("a   b").Count(id => id == 28705)); // "▁a", "▁", "▁", "▁b"
        Assert.DoesNotContain(28705, unsplit.Encode("a   b"));
    }

    [Fact]
    public void Unsupported_features_name_the_feature_and_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gipo-unigram-{Guid.NewGuid():N}.tokenizer.json");
        var json = JsonNode.Parse(Read(RealMistral))!;
        json["model"]!["type"] = "Unigram";
        File.WriteAllText(path, json.ToJsonString());
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => HfBpeTokenizer.FromFile(path));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains("model type \"Unigram\"", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{"type":"Lowercase"}""", "normalizer", "normalizer type \"Lowercase\"")]
    [InlineData("""{"type":"Sequence","decoders":[{"type":"CTC"}]}""", "decoder", "decoder type \"CTC\" at 'decoder.decoders[0]'")]
    [InlineData("""{"type":"Sequence","pretokenizers":[{"type":"Digits","individual_digits":true},{"type":"Metaspace","replacement":"▁"}]}""",
                "pre_tokenizer", "pre-tokenizer type \"Digits\"")]
    [InlineData("""{"type":"ByteLevel","add_prefix_space":false}""", "decoder", "decoder ByteLevel")]
    public void Unsupported_sentencepiece_components_are_named(string component, string key, string expected)
    {
        var json = JsonNode.Parse(Read(RealMistral))!;
        json[key] = JsonNode.Parse(component);

        var error = Assert.Throws<InvalidDataException>(() => HfBpeTokenizer.FromJson(json.ToJsonString()));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_normalized_added_token_with_a_rewriting_normalizer_is_refused()
    {
        var json = JsonNode.Parse(Read(RealMistral))!;
        json["added_tokens"]![1]!["normalized"] = true;

        var error = Assert.Throws<InvalidDataException>(() => HfBpeTokenizer.FromJson(json.ToJsonString()));
        Assert.Contains("\"<s>\" has \"normalized\": true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_normalized_added_token_matches_after_nfc()
    {
        var json = JsonNode.Parse(Read(Qwen2))!;
        json["added_tokens"]![1]!["normalized"] = true; // <|im_start|>
        var tokenizer = HfBpeTokenizer.FromJson(json.ToJsonString());

        Assert.Equal([577, 117, 115, 281, 10, 360, 578], tokenizer.Encode("<|im_start|>user\nhi<|im_end|>"));
    }

    [Fact]
    public void The_end_of_sequence_id_can_be_given_when_no_token_name_is_guessable()
    {
        var json = JsonNode.Parse(Read(RealMistral))!;
        json["added_tokens"]![2]!["content"] = "<|stop|>";
        var vocab = json["model"]!["vocab"]!.AsObject();
        vocab.Remove("</s>");
        vocab["<|stop|>"] = 2;

        var error = Assert.Throws<InvalidDataException>(() => HfBpeTokenizer.FromJson(json.ToJsonString()));
        Assert.Contains("No end-of-sequence token", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, HfBpeTokenizer.FromJson(json.ToJsonString(), eosId: 2).EosId);
        Assert.Throws<ArgumentOutOfRangeException>(() => HfBpeTokenizer.FromJson(json.ToJsonString(), eosId: 99_999));
    }
}
