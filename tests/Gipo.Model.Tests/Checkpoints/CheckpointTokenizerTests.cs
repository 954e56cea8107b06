using Gipo.Model.Checkpoints;

namespace Gipo.Model.Tests.Checkpoints;

/// <summary>The end-of-sequence id a checkpoint names (generation_config.json, then config.json) wins over guessing.</summary>
public sealed class CheckpointTokenizerTests : IDisposable
{
    // A SentencePiece-style BPE whose stop token "<|stop|>" (id 1) is none of the names HfBpeTokenizer guesses.
    private const string TokenizerJson = """
        {"model":{"type":"BPE","vocab":{"<unk>":0,"<|stop|>":1,"▁":2,"a":3,"b":4,"▁a":5},"merges":["▁ a"],"unk_token":"<unk>","byte_fallback":false},
         "added_tokens":[{"id":1,"content":"<|stop|>","special":true,"normalized":false}],
         "normalizer":{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]},
         "pre_tokenizer":null,
         "decoder":{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"Fuse"},
                                                  {"type":"Strip","content":" ","start":1,"stop":0}]}}
        """;

    private readonly string dir = Directory.CreateTempSubdirectory("gipo-ckpt-tok-").FullName;

    public CheckpointTokenizerTests() => File.WriteAllText(Path.Combine(dir, HfCheckpoint.TokenizerFile), TokenizerJson);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static ModelConfig ConfigWithEos(params int[] eos) => TestModels.Config() with { EosTokenIds = eos };

    [Fact]
    public void Without_a_named_id_a_vocabulary_with_no_guessable_name_is_refused_naming_the_file()
    {
        var error = Assert.Throws<InvalidDataException>(() => CheckpointTokenizer.Load(dir, ConfigWithEos()));

        Assert.Contains(Path.Combine(dir, "tokenizer.json"), error.Message, StringComparison.Ordinal);
        Assert.Contains("No end-of-sequence token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_config_eos_token_id_wins_and_lets_it_load()
    {
        var (tokenizer, _) = CheckpointTokenizer.Load(dir, ConfigWithEos(1));

        Assert.Equal(1, tokenizer.EosId);
        Assert.Equal([5, 2, 4, 1], tokenizer.Encode("a b<|stop|>"));
        Assert.Equal("a b", tokenizer.Decode(tokenizer.Encode("a b<|stop|>")));
    }

    [Fact]
    public void Generation_config_wins_over_config_json()
    {
        File.WriteAllText(Path.Combine(dir, CheckpointTokenizer.GenerationConfigFile), """{"eos_token_id": [4, 1], "do_sample": true}""");

        var (tokenizer, _) = CheckpointTokenizer.Load(dir, ConfigWithEos(1));

        Assert.Equal(4, tokenizer.EosId);
        Assert.Equal([4, 1], CheckpointTokenizer.EndOfSequenceIds(dir, ConfigWithEos(1)));
    }

    [Fact]
    public void A_generation_config_without_eos_falls_back_to_config_json()
    {
        File.WriteAllText(Path.Combine(dir, CheckpointTokenizer.GenerationConfigFile), """{"temperature": 0.6}""");

        Assert.Equal([1], CheckpointTokenizer.EndOfSequenceIds(dir, ConfigWithEos(1)));
        Assert.Equal(1, CheckpointTokenizer.Load(dir, ConfigWithEos(1)).Tokenizer.EosId);
    }

    [Theory]
    [InlineData("""{"eos_token_id": "</s>"}""", "'eos_token_id' must be a non-negative integer")]
    [InlineData("""{"eos_token_id": [1, -3]}""", "'eos_token_id' must be a non-negative integer")]
    [InlineData("""{"eos_token_id": """, "not valid JSON")]
    public void A_bad_generation_config_is_named(string content, string expected)
    {
        var path = Path.Combine(dir, CheckpointTokenizer.GenerationConfigFile);
        File.WriteAllText(path, content);

        var error = Assert.Throws<InvalidDataException>(() => CheckpointTokenizer.Load(dir, ConfigWithEos(1)));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_eos_id_outside_the_tokenizer_is_named()
    {
        var error = Assert.Throws<InvalidDataException>(() => CheckpointTokenizer.Load(dir, ConfigWithEos(77)));

        Assert.Contains("eos_token_id 77", error.Message, StringComparison.Ordinal);
    }
}
