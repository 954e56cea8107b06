using System.Text.Json.Nodes;
using Gipo.Core.Tokenization;
using static Gipo.Core.Tests.Tokenization.TokenizerFixtures;

namespace Gipo.Core.Tests.Tokenization;

public sealed class CharTokenizerTests
{
    private static readonly CharTokenizer Chars = CharTokenizer.Default;

    public static TheoryData<string, int> JsCases => CaseIndexes(CharLevel);

    [Fact]
    public void Default_vocabulary_has_fixed_ids()
    {
        Assert.Equal(100, Chars.VocabSize);
        Assert.Equal((0, 1, 2, 3), (Chars.PadId, Chars.BosId, Chars.EosId, Chars.UnkId));
        Assert.Equal("\n", Chars.TokenText(4));
        Assert.Equal(" ", Chars.TokenText(5));
        Assert.Equal("0", Chars.TokenText(21));
        Assert.Equal("A", Chars.TokenText(38));
        Assert.Equal("~", Chars.TokenText(99));
        Assert.Equal("<eos>", Chars.TokenText(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Chars.TokenText(100));
    }

    [Fact]
    public void Encodes_a_task_prompt_character_by_character()
    {
        Assert.Equal([54, 31, 38, 41, 41, 5, 22, 23, 16, 24, 25, 4, 38, 31, 25, 27], Chars.Encode("Q:ADD 12+34\nA:46"));
    }

    [Fact]
    public void Unknown_characters_become_one_unk_per_code_point()
    {
        Assert.Equal([72, 70, 75, 3, 5, 3, 5, 3], Chars.Encode("café 😀 中"));
        Assert.Equal("caf<unk> <unk> <unk>", Chars.Decode(Chars.Encode("café 😀 中"), skipSpecial: false));
    }

    [Fact]
    public void Special_token_text_encodes_as_the_special_id()
    {
        Assert.Equal([1, 38, 2, 0], Chars.Encode("<bos>A<eos><pad>"));
        Assert.Equal([33, 2, 35], Chars.Encode("<<eos>>"));
    }

    [Fact]
    public void Decode_skips_specials_by_default_and_ignores_unassigned_ids()
    {
        int[] ids = [1, 38, 31, 25, 27, 2, 0, 0, 500, -7];

        Assert.Equal("A:46", Chars.Decode(ids));
        Assert.Equal("<bos>A:46<eos><pad><pad>", Chars.Decode(ids, skipSpecial: false));
    }

    [Fact]
    public void Json_is_the_committed_fixture_byte_for_byte()
    {
        // Tokenizers.js produced expected_ids.json from this very file.
        Assert.Equal(Read(CharLevel), Chars.ToJson());
    }

    [Theory]
    [MemberData(nameof(JsCases))]
    public void Encode_and_decode_match_tokenizers_js(string fixture, int index)
    {
        var expected = Cases(fixture)[index];

        Assert.Equal(expected.Ids, Chars.Encode(expected.Text));
        Assert.Equal(expected.Decoded, Chars.Decode(expected.Ids, skipSpecial: false));
    }

    [Fact]
    public void Json_round_trips_a_custom_character_set()
    {
        var json = JsonNode.Parse(Chars.ToJson())!;
        json["model"]!["vocab"]!.AsObject().Remove("~");
        json["model"]!["vocab"]!["é"] = 99;

        var custom = CharTokenizer.FromJson(json.ToJsonString());

        Assert.Equal([72, 70, 75, 99, 3], custom.Encode("café~"));
        Assert.Equal(json.ToJsonString(), JsonNode.Parse(custom.ToJson())!.ToJsonString());
    }

    [Fact]
    public void From_json_rejects_bad_json()
    {
        var error = Assert.Throws<InvalidDataException>(() => CharTokenizer.FromJson("[1,"));
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_json_rejects_what_is_not_a_character_tokenizer()
    {
        AssertInvalid(j => j["model"]!["type"] = "BPE", "model type \"BPE\"");
        AssertInvalid(j => j["model"]!["vocab"]!["ab"] = 100, "'model.vocab[\"ab\"]' is not a single character");
        AssertInvalid(j => j["model"]!["vocab"]!["~"] = 7, "ids must be distinct");
        AssertInvalid(j => j["pre_tokenizer"] = null, "one-character Split");
        AssertInvalid(j => j["decoder"] = null, "Fuse decoder");
        AssertInvalid(
            j =>
            {
                j["added_tokens"]!.AsArray().RemoveAt(2);
                j["model"]!["vocab"]!.AsObject().Remove("<eos>");
                j["model"]!["vocab"]!["\t"] = 2;
            },
            "<eos> is missing");
    }

    private static void AssertInvalid(Action<JsonNode> change, string expectedMessagePart)
    {
        var json = JsonNode.Parse(Chars.ToJson())!;
        change(json);
        var error = Assert.Throws<InvalidDataException>(() => CharTokenizer.FromJson(json.ToJsonString()));
        Assert.Contains(expectedMessagePart, error.Message, StringComparison.Ordinal);
    }
}
