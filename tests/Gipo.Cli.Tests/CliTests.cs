using System.Text.Json;
using Gipo.Core.Tokenization;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Native;

namespace Gipo.Cli.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string TinyCheckpoint()
    {
        NativeTorch.EnsureLoaded();
        TorchSharp.torch.manual_seed(1);
        var tok = CharTokenizer.Default;
        using var model = new PolicyModel(ModelConfig.Tiny(tok.VocabSize, tok.EosId, tok.PadId, tok.BosId) with { NumLayers = 1, HiddenSize = 64,
            HeadDim = 16, IntermediateSize = 128 });
        var path = Path.Combine(dir, "ckpt");
        HfCheckpoint.Save(model, path, tok.ToJson());
        return path;
    }

    [Fact]
    public void Generate_json_has_the_contract_fields_and_is_seeded()
    {
        var ckpt = TinyCheckpoint();
        string[] args = ["generate", "--checkpoint", ckpt, "--prompt", "Q:ADD 12 34\\n", "--max-new-tokens", "12", "--seed", "7", "--json"];
        var a = GipoProcess.Run(args);
        Assert.True(a.ExitCode == 0, a.Stderr);
        using var json = JsonDocument.Parse(a.LastLine);
        var root = json.RootElement;
        var prompt = root.GetProperty("prompt_token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(CharTokenizer.Default.Encode("Q:ADD 12 34\n"), prompt);
        var tokens = root.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var logprobs = root.GetProperty("logprobs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.InRange(tokens.Length, 1, 12);
        Assert.Equal(tokens.Length, logprobs.Length);
        Assert.All(logprobs, lp => Assert.InRange(lp, -50, 0));
        Assert.Equal(CharTokenizer.Default.Decode(tokens), root.GetProperty("text").GetString());

        Assert.Equal(a.LastLine, GipoProcess.Run(args).LastLine); // same seed, same weights: same tokens
        var other = GipoProcess.Run(args.Select(x => x == "7" ? "8" : x));
        Assert.NotEqual(a.LastLine, other.LastLine);
    }

    [Fact]
    public void Eval_json_has_the_contract_fields()
    {
        var ckpt = TinyCheckpoint();
        var r = GipoProcess.Run(["eval", "--checkpoint", ckpt, "--task", "column-add", "--prompts", "3", "--samples", "2", "--k", "1,2",
            "--budgets", "1", "--max-new-tokens", "8", "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.LastLine);
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("n_prompts").GetInt32());
        Assert.Equal(2, root.GetProperty("n_samples").GetInt32());
        var p1 = root.GetProperty("pass_at_1").GetDouble();
        Assert.InRange(p1, 0, 1);
        Assert.Equal(p1, root.GetProperty("pass_at_k").GetProperty("1").GetDouble(), 12);
        Assert.True(root.GetProperty("pass_at_k").GetProperty("2").GetDouble() >= p1);
        Assert.InRange(root.GetProperty("greedy_accuracy").GetDouble(), 0, 1);
        Assert.True(root.GetProperty("distinct_correct").GetDouble() >= 0);
        Assert.Equal(6, root.GetProperty("bucket_entropy").GetArrayLength());

        var bad = GipoProcess.Run(["eval", "--checkpoint", ckpt, "--task", "column-add", "--samples", "2", "--k", "4"]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("k = 4 is not in 1..2", bad.Stderr);
    }

    [Fact]
    public void Eval_per_prompt_writes_one_line_per_prompt_that_adds_up_to_the_summary()
    {
        var ckpt = TinyCheckpoint();
        var file = Path.Combine(dir, "per-prompt.jsonl");
        string[] args = ["eval", "--checkpoint", ckpt, "--task", "mod-chain", "--prompts", "5", "--samples", "4", "--k", "1,2,4",
            "--budgets", "0.5,1", "--max-new-tokens", "8", "--seed", "1234", "--threads", "1", "--json", "--per-prompt", file];
        var r = GipoProcess.Run(args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var summary = JsonDocument.Parse(r.LastLine);
        var lines = File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(5, lines.Count);

        var prompts = Gipo.Core.Tasks.ReasoningTasks.Get("mod-chain").Sample(Gipo.Core.Tasks.Split.RlTest, 5, 1234);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            Assert.Equal(["prompt_index", "prompt", "n", "correct", "pass_at_k", "distinct_correct", "greedy_correct", "budget_correct",
                          "response_tokens_mean"],
                line.EnumerateObject().Select(p => p.Name));
            Assert.Equal(i, line.GetProperty("prompt_index").GetInt32());
            Assert.Equal(prompts[i].Prompt, line.GetProperty("prompt").GetString()); // the seeded sample, in order
            Assert.Equal(4, line.GetProperty("n").GetInt32());
            var correct = line.GetProperty("correct").GetInt32();
            Assert.InRange(correct, 0, 4);
            Assert.Equal((double)correct / 4, line.GetProperty("pass_at_k").GetProperty("1").GetDouble(), 12);
            Assert.Equal(["1", "2", "4"], line.GetProperty("pass_at_k").EnumerateObject().Select(p => p.Name));
            Assert.Equal(["0.5", "1"], line.GetProperty("budget_correct").EnumerateObject().Select(p => p.Name));
            Assert.All(line.GetProperty("budget_correct").EnumerateObject(), b => Assert.InRange(b.Value.GetInt32(), 0, 1));
            Assert.InRange(line.GetProperty("greedy_correct").GetInt32(), 0, 1);
            Assert.InRange(line.GetProperty("distinct_correct").GetInt32(), 0, correct);
            Assert.InRange(line.GetProperty("response_tokens_mean").GetDouble(), 0, 8);
        }
        // The summary is the mean of the lines.
        var root = summary.RootElement;
        foreach (var k in new[] { "1", "2", "4" })
            Assert.Equal(root.GetProperty("pass_at_k").GetProperty(k).GetDouble(),
                         lines.Average(l => l.GetProperty("pass_at_k").GetProperty(k).GetDouble()), 12);
        Assert.Equal(root.GetProperty("greedy_accuracy").GetDouble(), lines.Average(l => l.GetProperty("greedy_correct").GetInt32()), 12);
        Assert.Equal(root.GetProperty("distinct_correct").GetDouble(), lines.Average(l => l.GetProperty("distinct_correct").GetInt32()), 12);
        Assert.Equal(root.GetProperty("budget_accuracy").GetProperty("0.5").GetDouble(),
                     lines.Average(l => l.GetProperty("budget_correct").GetProperty("0.5").GetInt32()), 12);

        // Same seed, same prompts and same draws: a second evaluation writes the same file.
        var first = File.ReadAllText(file);
        Assert.Equal(0, GipoProcess.Run(args).ExitCode);
        Assert.Equal(first, File.ReadAllText(file));
    }

    [Fact]
    public void Missing_checkpoint_is_one_clear_error()
    {
        var r = GipoProcess.Run(["generate", "--checkpoint", Path.Combine(dir, "nope"), "--prompt", "x"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("does not exist", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
    }

    [Fact]
    public void A_prompt_starting_with_at_is_text_not_a_response_file()
    {
        var r = GipoProcess.Run(["generate", "--checkpoint", Path.Combine(dir, "nope"), "--prompt", "@mentions.txt"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("does not exist", r.Stderr); // got past parsing to the checkpoint
        Assert.DoesNotContain("mentions.txt", r.Stderr);
    }

    [Fact]
    public void Bad_torch_lib_prints_the_cause_and_the_fix()
    {
        var r = GipoProcess.Run(["generate", "--checkpoint", dir, "--prompt", "x"], new Dictionary<string, string> { ["GIPO_TORCH_LIB"] = dir });
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("has no libtorch.so", r.Stderr);
        Assert.Contains("fix:", r.Stderr);
    }

    [Fact]
    public void Fresh_native_cache_is_created_and_used()
    {
        var cache = Path.Combine(dir, "native");
        var ckpt = TinyCheckpoint();
        var r = GipoProcess.Run(["generate", "--checkpoint", ckpt, "--prompt", "Q:", "--max-new-tokens", "2"],
                                new Dictionary<string, string> { ["GIPO_NATIVE_DIR"] = cache });
        Assert.True(r.ExitCode == 0, r.Stderr);
        if (NativeTorch.Info!.Patched) Assert.Single(Directory.GetFiles(cache, "libLibTorchSharp.so", SearchOption.AllDirectories));
    }

    [Fact]
    public void Sft_writes_a_loadable_checkpoint_a_jsonl_log_and_a_json_summary()
    {
        var run = Path.Combine(dir, "sft");
        var r = GipoProcess.Run(["sft", "--task", "column-add", "--out", run, "--max-steps", "4", "--batch-size", "8", "--eval-every", "2",
            "--eval-prompts", "4", "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.LastLine);
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("steps").GetInt32());
        Assert.InRange(root.GetProperty("eval_pass_at_1").GetDouble(), 0, 1);
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
        var checkpoint = root.GetProperty("checkpoint").GetString()!;
        Assert.Equal(Path.Combine(run, "checkpoint"), checkpoint);
        NativeTorch.EnsureLoaded();
        using var model = HfCheckpoint.Load(checkpoint);
        Assert.Equal(CharTokenizer.Default.VocabSize, model.Config.VocabSize);
        foreach (var name in new[] { "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "README.md" })
            Assert.True(File.Exists(Path.Combine(checkpoint, name)), $"the SFT checkpoint lacks {name}");
        Assert.Contains("supervised fine-tuning", File.ReadAllText(Path.Combine(checkpoint, "README.md")));

        var lines = File.ReadAllLines(Path.Combine(run, "sft.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([1, 2, 3, 4], lines.Select(l => l.GetProperty("step").GetInt32()));
        Assert.Equal(2, lines.Count(l => l.GetProperty("eval_pass_at_1").ValueKind == JsonValueKind.Number));
        Assert.All(lines, l => Assert.True(l.GetProperty("loss").GetDouble() > 0));
    }

    [Fact]
    public void Sft_rejects_an_unknown_task_by_naming_the_valid_ones()
    {
        var r = GipoProcess.Run(["sft", "--task", "chess", "--out", Path.Combine(dir, "x")]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("column-add", r.Stderr);
    }
}
