using System.Text.Json.Nodes;
using Gipo.Core.Tokenization;
using static Gipo.Core.Tests.Tokenization.TokenizerFixtures;

namespace Gipo.Core.Tests.Tokenization;

public sealed class HfBpeTokenizerTests
{
    // Ids of the fixtures, which share one 576-entry byte-level vocabulary (see train_bpe_fixture.mjs).
    private const int EndOfText = 576, ImStart = 577, ImEnd = 578;

    private static readonly HfBpeTokenizer Qwen = HfBpeTokenizer.FromFile(PathOf(Qwen2));
    private static readonly HfBpeTokenizer Llama = HfBpeTokenizer.FromFile(PathOf(Llama3));

    [Fact]
    public void Special_ids_come_from_the_added_tokens()
    {
        Assert.Equal(579, Qwen.VocabSize);
        Assert.Equal(EndOfText, Qwen.EosId);
        Assert.Equal(EndOfText, Qwen.PadId);
        Assert.Null(Qwen.BosId);
        Assert.Equal(["<|endoftext|>", "<|im_start|>", "<|im_end|>"], Qwen.AddedTokens.Select(t => t.Content));

        Assert.Equal(580, Llama.VocabSize);
        Assert.Equal(577, Llama.BosId);
        Assert.Equal(578, Llama.EosId); // <|end_of_text|>

        var gpt2 = HfBpeTokenizer.FromFile(PathOf(Gpt2));
        Assert.Equal(577, gpt2.VocabSize);
        Assert.Equal(EndOfText, gpt2.EosId);
    }

    [Fact]
    public void Explicit_special_tokens_override_the_guesses()
    {
        var chat = HfBpeTokenizer.FromFile(PathOf(Qwen2), eosToken: "<|im_end|>", padToken: "<|endoftext|>", bosToken: "<|im_start|>");

        Assert.Equal(ImEnd, chat.EosId);
        Assert.Equal(EndOfText, chat.PadId);
        Assert.Equal(ImStart, chat.BosId);
        var error = Assert.Throws<ArgumentException>(() => HfBpeTokenizer.FromFile(PathOf(Qwen2), eosToken: "<|nope|>"));
        Assert.Contains("<|nope|>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Padding_section_sets_the_pad_id()
    {
        var json = JsonNode.Parse(Read(Qwen2))!;
        json["padding"] = new JsonObject { ["pad_id"] = ImStart, ["pad_token"] = "<|im_start|>" };

        Assert.Equal(ImStart, HfBpeTokenizer.FromJson(json.ToJsonString()).PadId);
    }

    [Fact]
    public void Special_tokens_in_text_encode_as_single_ids_and_lookalikes_do_not()
    {
        // Values as Tokenizers.js gives them for this fixture.
        Assert.Equal([ImStart, 117, 115, 281, 10, 360, ImEnd], Qwen.Encode("<|im_start|>user\nhi<|im_end|>"));
        Assert.Equal([60, 124, 105, 109, 95, 115, 116, 485, 116, 124], Qwen.Encode("<|im_start|"));
    }

    [Fact]
    public void Decode_skips_special_tokens_unless_asked_and_ignores_unassigned_ids()
    {
        var ids = Qwen.Encode("<|im_start|>user\nhi<|im_end|>");

        Assert.Equal("user\nhi", Qwen.Decode(ids));
        Assert.Equal("<|im_start|>user\nhi<|im_end|>", Qwen.Decode(ids, skipSpecial: false));
        Assert.Equal("hi", Qwen.Decode([104, 100_000, -1, 105]));
    }

    [Fact]
    public void Token_text_is_the_decoded_text_of_one_id()
    {
        Assert.Equal(" t", Qwen.TokenText(257)); // merge "Ġ" + "t"
        Assert.Equal("\uFFFD", Qwen.TokenText(256)); // merge "ð" + "Ł": two bytes of a four-byte emoji
        Assert.Equal("\n", Qwen.TokenText(10));
        Assert.Equal("<|im_end|>", Qwen.TokenText(ImEnd));
        Assert.Throws<ArgumentOutOfRangeException>(() => Qwen.TokenText(579));
    }

    [Fact]
    public void Ignore_merges_takes_a_whole_vocabulary_piece()
    {
        // " Gipo" is vocabulary entry 576 of the Llama-3-style fixture, but no merge builds it.
        Assert.Equal([576], Llama.Encode(" Gipo"));
        Assert.Equal([32, 71, 105, 112, 111], Qwen.Encode(" Gipo"));
    }

    [Fact]
    public void Emoji_glued_to_letters_splits_by_code_point_like_hugging_face()
    {
        // The Qwen2 regex keeps "😀ok" as one piece (an optional non-letter, then letters), so the
        // trained merge "😀" + "ok" applies. Splitting on UTF-16 surrogates would miss it.
        var merged = Qwen.Encode("😀ok");

        Assert.Single(merged);
        Assert.Equal("😀ok", Qwen.TokenText(merged[0]));
    }
}
