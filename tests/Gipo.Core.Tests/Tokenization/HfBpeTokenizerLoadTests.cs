using System.Text.Json.Nodes;
using Gipo.Core.Tokenization;
using static Gipo.Core.Tests.Tokenization.TokenizerFixtures;

namespace Gipo.Core.Tests.Tokenization;

/// <summary>Loading rejects malformed or unsupported files with a message that names the problem.</summary>
public sealed class HfBpeTokenizerLoadTests
{
    [Fact]
    public void Both_merge_formats_load_to_the_same_merges()
    {
        var json = JsonNode.Parse(Read(Gpt2))!;
        var pairs = new JsonArray([.. json["model"]!["merges"]!.AsArray()
            .Select(m => (JsonNode)new JsonArray([.. m!.GetValue<string>().Split(' ').Select(p => (JsonNode)p)]))]);
        json["model"]!["merges"] = pairs;

        var fromPairs = HfBpeTokenizer.FromJson(json.ToJsonString());

        Assert.All(Cases(Gpt2), expected => Assert.Equal(expected.Ids, fromPairs.Encode(expected.Text)));
    }

    [Fact]
    public void Bad_json() => AssertInvalid("{ \"model\": ", "not valid JSON");

    [Fact]
    public void Missing_vocab() => AssertInvalid(Mutate(j => j["model"]!.AsObject().Remove("vocab")), "'model.vocab' is missing");

    [Fact]
    public void Unigram_model() => AssertInvalid(Mutate(j => j["model"]!["type"] = "Unigram"), "model type \"Unigram\"");

    [Fact]
    public void Malformed_merge_string() => AssertInvalid(Mutate(j => j["model"]!["merges"]![3] = "a b c"), "'model.merges[3]' is malformed");

    [Fact]
    public void Malformed_merge_pair() =>
        AssertInvalid(Mutate(j => j["model"]!["merges"]![0] = new JsonArray("a")), "'model.merges[0]' is malformed");

    [Fact]
    public void Merge_outside_the_vocabulary() =>
        AssertInvalid(Mutate(j => j["model"]!["merges"]![0] = "q z"), "'model.merges[0]' uses \"qz\", which is not in model.vocab");

    [Fact]
    public void Vocab_id_that_is_not_an_integer() =>
        AssertInvalid(Mutate(j => j["model"]!["vocab"]!["a"] = "x"), "'model.vocab[\"a\"]' must be a non-negative integer id");

    [Fact]
    public void Vocabulary_missing_a_byte() =>
        AssertInvalid(Mutate(j => j["model"]!["vocab"]!.AsObject().Remove("\u0120")), "no entry for byte 0x20");

    [Fact]
    public void Byte_fallback_model() => AssertInvalid(Mutate(j => j["model"]!["byte_fallback"] = true), "byte_fallback");

    [Fact]
    public void Unsupported_pre_tokenizer() =>
        AssertInvalid(Mutate(j => j["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" }), "pre-tokenizer type \"Whitespace\"");

    [Fact]
    public void Regex_that_dotnet_cannot_compile() =>
        AssertInvalid(
            Mutate(j =>
                j["pre_tokenizer"] =
                    JsonNode.Parse("""{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":""" +
                                   """{"Regex":"\\p{L}++"},"behavior":"Isolated","invert":false},{"type":"ByteLevel","add_prefix_space":""" +
                                   """false,"use_regex":false}]}""")),
            "not valid .NET regex syntax");

    [Fact]
    public void Prefix_space() => AssertInvalid(Mutate(j => j["pre_tokenizer"]!["add_prefix_space"] = true), "add_prefix_space");

    [Fact]
    public void Unsupported_normalizer() =>
        AssertInvalid(Mutate(j => j["normalizer"] = new JsonObject { ["type"] = "NFKC" }), "normalizer type \"NFKC\" at 'normalizer'");

    [Fact]
    public void Stripping_added_token() => AssertInvalid(Mutate(j => j["added_tokens"]![0]!["lstrip"] = true), "'added_tokens[0].lstrip' is true");

    [Fact]
    public void No_end_of_sequence_token()
    {
        var json = Mutate(j =>
        {
            j["added_tokens"] = new JsonArray();
            j["model"]!["vocab"]!.AsObject().Remove("<|endoftext|>");
        });

        var error = Assert.Throws<InvalidDataException>(() => HfBpeTokenizer.FromJson(json));
        Assert.Contains("pass eosToken", error.Message, StringComparison.Ordinal);
        Assert.Equal(10, HfBpeTokenizer.FromJson(json, eosToken: "\u010A").EosId); // "Ċ" is byte 0x0A
    }

    private static string Mutate(Action<JsonNode> change)
    {
        var json = JsonNode.Parse(Read(Gpt2))!;
        change(json);
        return json.ToJsonString();
    }

    private static void AssertInvalid(string json, string expectedMessagePart)
    {
        var error = Assert.Throws<InvalidDataException>(() => HfBpeTokenizer.FromJson(json));
        Assert.Contains(expectedMessagePart, error.Message, StringComparison.Ordinal);
    }
}
