using System.Text.Json.Nodes;
using Gipo.Core.Tokenization;
using Gipo.Model.Checkpoints;
using Gipo.Model.Sampling;

namespace Gipo.Model.Tests.Checkpoints;

/// <summary>The Hugging Face files an exported checkpoint carries beside the model (<see cref="HfCompanionFiles"/>).</summary>
public sealed class HfCompanionFilesTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-companion-").FullName;
    private static readonly CharTokenizer Tok = CharTokenizer.Default;
    private static readonly ModelConfig Config = ModelConfig.Tiny(Tok.VocabSize, Tok.EosId, Tok.PadId, Tok.BosId);
    private static readonly ModelCardFacts Card = new("run-7", "/models/base", "column-add", "grpo advantages, entropy control `gsec`", 20, 20,
        [new("algorithm.optim.lr", "0.0001")], [new("eval_pass_at_1 (step 20)", "0.625"), new("reward_mean (step 20)", "0.5")]);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static JsonObject Object(IReadOnlyDictionary<string, string> files, string name) => (JsonObject)JsonNode.Parse(files[name])!;

    [Fact]
    public void A_char_tokenizer_base_gets_files_written_from_its_ids_and_no_chat_template()
    {
        var files = HfCompanionFiles.Build(dir, Config, Tok, Tok.ToJson(), new SamplingOptions(0.7, MaxNewTokens: 48), Card);

        Assert.Equal([HfCompanionFiles.ModelCardFile, HfCompanionFiles.GenerationConfigFile, HfCompanionFiles.SpecialTokensMapFile,
                      HfCompanionFiles.TokenizerConfigFile],
            files.Keys.Order(StringComparer.Ordinal));
        var tc = Object(files, HfCompanionFiles.TokenizerConfigFile);
        Assert.Equal("PreTrainedTokenizerFast", (string)tc["tokenizer_class"]!);
        Assert.Equal(CharTokenizer.EosToken, (string)tc["eos_token"]!);
        Assert.Equal(CharTokenizer.BosToken, (string)tc["bos_token"]!);
        Assert.Equal(CharTokenizer.PadToken, (string)tc["pad_token"]!);
        Assert.Equal("<unk>", (string)tc["unk_token"]!);
        Assert.Null(tc["chat_template"]);
        var map = Object(files, HfCompanionFiles.SpecialTokensMapFile);
        Assert.Equal(CharTokenizer.EosToken, (string)map["eos_token"]!);

        var gen = Object(files, HfCompanionFiles.GenerationConfigFile);
        Assert.Equal(Tok.EosId, (int)gen["eos_token_id"]!);
        Assert.Equal(Tok.BosId, (int)gen["bos_token_id"]!);
        Assert.Equal(Tok.PadId, (int)gen["pad_token_id"]!);
        Assert.Equal(0.7, (double)gen["temperature"]!);
        Assert.Equal(48, (int)gen["max_new_tokens"]!);
        Assert.Equal(0, (int)gen["top_k"]!);
        Assert.True((bool)gen["do_sample"]!);

        var card = files[HfCompanionFiles.ModelCardFile];
        Assert.StartsWith("---\n", card);
        Assert.Contains("`/models/base`", card);
        Assert.Contains("`column-add`", card);
        Assert.Contains("entropy control `gsec`", card);
        Assert.Contains("| `eval_pass_at_1 (step 20)` | 0.625 |", card);
        Assert.Contains("| `algorithm.optim.lr` | 0.0001 |", card);
        Assert.Contains("Chat template: none", card);
    }

    [Fact]
    public void A_base_with_hf_files_keeps_its_tokenizer_config_and_chat_template_and_gets_the_run_ids()
    {
        const string template = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}";
        File.WriteAllText(Path.Combine(dir, HfCompanionFiles.TokenizerConfigFile),
            new JsonObject { ["tokenizer_class"] = "Qwen2Tokenizer", ["eos_token"] = "<|im_end|>", ["chat_template"] = template,
                            ["model_max_length"] = 32768 }.ToJsonString());
        File.WriteAllText(Path.Combine(dir, HfCompanionFiles.SpecialTokensMapFile), """{"eos_token":"<|im_end|>","pad_token":"<|endoftext|>"}""");
        File.WriteAllText(Path.Combine(dir, HfCompanionFiles.GenerationConfigFile),
                          """{"eos_token_id":[151645,151643],"repetition_penalty":1.05,"top_k":20}""");
        var config = Config with { EosTokenIds = [2, 3] };

        var files = HfCompanionFiles.Build(dir, config, Tok, Tok.ToJson(), new SamplingOptions(1.0, MaxNewTokens: 96), Card);

        var tc = Object(files, HfCompanionFiles.TokenizerConfigFile);
        Assert.Equal("Qwen2Tokenizer", (string)tc["tokenizer_class"]!);
        Assert.Equal(template, (string)tc["chat_template"]!);
        Assert.Equal(32768, (int)tc["model_max_length"]!);
        Assert.Equal("<|endoftext|>", (string)Object(files, HfCompanionFiles.SpecialTokensMapFile)["pad_token"]!);
        var gen = Object(files, HfCompanionFiles.GenerationConfigFile);
        Assert.Equal([2, 3], gen["eos_token_id"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(1.05, (double)gen["repetition_penalty"]!); // the base's own settings stay
        Assert.Equal(0, (int)gen["top_k"]!); // the run's sampling wins
        Assert.Contains("Chat template: the base model's", files[HfCompanionFiles.ModelCardFile]);
    }

    [Fact]
    public void A_chat_template_jinja_file_is_copied_and_becomes_the_configs_template()
    {
        File.WriteAllText(Path.Combine(dir, HfCompanionFiles.ChatTemplateFile), "<|start_header_id|>{{ m.role }}<|end_header_id|>");
        var files = HfCompanionFiles.Build(dir, Config, Tok, Tok.ToJson(), new SamplingOptions(), Card);
        Assert.Equal("<|start_header_id|>{{ m.role }}<|end_header_id|>", files[HfCompanionFiles.ChatTemplateFile]);
        Assert.Equal(files[HfCompanionFiles.ChatTemplateFile], (string)Object(files, HfCompanionFiles.TokenizerConfigFile)["chat_template"]!);
    }

    [Fact]
    public void A_malformed_base_file_is_an_error_naming_it()
    {
        File.WriteAllText(Path.Combine(dir, HfCompanionFiles.GenerationConfigFile), "{ not json");
        var e = Assert.Throws<InvalidDataException>(() => HfCompanionFiles.Build(dir, Config, Tok, Tok.ToJson(), new SamplingOptions(), Card));
        Assert.Contains(HfCompanionFiles.GenerationConfigFile, e.Message);
        Assert.Contains("not valid JSON", e.Message);
    }
}
