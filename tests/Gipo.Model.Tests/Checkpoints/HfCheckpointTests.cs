using System.Text.Json;
using Gipo.Model.Checkpoints;
using static TorchSharp.torch;

namespace Gipo.Model.Tests.Checkpoints;

public sealed class HfCheckpointTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-ckpt-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>
    /// The fixtures were written by bench/make_fixtures.py from an independent PyTorch implementation of the
    /// published Llama/Qwen2 math with Hugging Face tensor names and config layouts (4.x for llama, 5.x for qwen2).
    /// </summary>
    [Theory]
    [InlineData("tiny-llama")]
    [InlineData("tiny-qwen2")]
    public void Hf_checkpoint_gives_the_reference_logits(string name)
    {
        TestModels.Init();
        using var model = HfCheckpoint.Load(Fixture(name));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixture(name), "expected.json")));
        var root = json.RootElement;
        using var _ = no_grad();

        var (logits, hidden) = model.Forward(tensor(Long2(root.GetProperty("input_ids"))));
        var expected = tensor(Float3(root.GetProperty("logits")));
        Assert.True(logits.allclose(expected, rtol: 0, atol: 1e-4), $"max diff {(logits - expected).abs().max().item<float>()}");
        var hiddenLast = tensor(Float2(root.GetProperty("hidden_last")));
        Assert.True(hidden.select(1, -1).allclose(hiddenLast, rtol: 0, atol: 1e-4));

        var padded = model.Forward(tensor(Long2(root.GetProperty("padded_input_ids"))), tensor(Long2(root.GetProperty("padded_attention_mask"))));
        var paddedExpected = tensor(Float2(root.GetProperty("padded_logits_last")));
        Assert.True(padded.Logits.select(1, -1).allclose(paddedExpected, rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void Save_then_load_gives_identical_logits_and_hf_names()
    {
        using var model = TestModels.Random(TestModels.Config(qwen: true, tied: true, kvHeads: 1));
        var target = Path.Combine(dir, "ckpt");
        HfCheckpoint.Save(model, target, tokenizerJson: "{}");
        HfCheckpoint.Save(model, target, tokenizerJson: "{}"); // overwriting an existing checkpoint is atomic too

        Assert.Equal(["ckpt"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
        Assert.Equal(["config.json", "model.safetensors", "tokenizer.json"], Directory.GetFiles(target).Select(Path.GetFileName).Order());
        var names = SafeTensors.ReadHeader(Path.Combine(target, "model.safetensors")).Keys.ToHashSet();
        Assert.Contains("model.layers.1.self_attn.k_proj.bias", names);
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", names);
        Assert.DoesNotContain("lm_head.weight", names); // tied

        using var loaded = HfCheckpoint.Load(target);
        using var _ = no_grad();
        var ids = tensor(new long[,] { { 3, 8, 1, 30, 12, 7 } });
        Assert.True(model.Forward(ids).Logits.eq(loaded.Forward(ids).Logits).all().item<bool>());
    }

    [Fact]
    public void Sharded_checkpoint_loads_like_the_single_file()
    {
        var target = CopyFixture("tiny-qwen2");
        var file = Path.Combine(target, "model.safetensors");
        var tensors = SafeTensors.Load(file);
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var shards = new[] { names.Take(names.Count / 2).ToList(), names.Skip(names.Count / 2).ToList() };
        var map = new System.Text.Json.Nodes.JsonObject();
        for (var i = 0; i < 2; i++)
        {
            var shard = $"model-0000{i + 1}-of-00002.safetensors";
            SafeTensors.Save(Path.Combine(target, shard), shards[i].Select(n => (n, tensors[n])).ToList());
            foreach (var n in shards[i]) map[n] = shard;
        }
        File.Move(file, Path.Combine(dir, "single.safetensors"));
        File.WriteAllText(Path.Combine(target, "model.safetensors.index.json"),
                          new System.Text.Json.Nodes.JsonObject { ["weight_map"] = map }.ToJsonString());

        using var sharded = HfCheckpoint.Load(target);
        using var single = HfCheckpoint.Load(Fixture("tiny-qwen2"));
        using var _ = no_grad();
        var ids = tensor(new long[,] { { 3, 8, 1, 30, 12, 7 } });
        Assert.True(single.Forward(ids).Logits.eq(sharded.Forward(ids).Logits).all().item<bool>());

        File.Delete(Path.Combine(target, "model-00002-of-00002.safetensors"));
        Assert.Contains("shard 'model-00002-of-00002.safetensors' is missing",
                        Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(target)).Message);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        var target = CopyFixture("tiny-llama");
        RewriteWeights(target, t => t.Where(kv => kv.Key != "model.layers.1.mlp.up_proj.weight"));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(target));
        Assert.Contains("model.layers.1.mlp.up_proj.weight", e.Message);
    }

    [Fact]
    public void Wrong_shape_is_named()
    {
        var target = CopyFixture("tiny-llama");
        RewriteWeights(target, t => t.Select(kv => kv.Key == "model.norm.weight" ? new KeyValuePair<string, Tensor>(kv.Key, ones(63)) : kv));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(target));
        Assert.Contains("'model.norm.weight' has shape [63]", e.Message);
    }

    [Fact]
    public void Unexpected_tensor_is_named()
    {
        var target = CopyFixture("tiny-llama");
        RewriteWeights(target, t => t.Append(new("model.layers.2.mlp.up_proj.weight", ones(2))));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(target));
        Assert.Contains("unexpected tensor 'model.layers.2.mlp.up_proj.weight'", e.Message);
    }

    [Fact]
    public void Integer_weights_are_rejected()
    {
        var target = CopyFixture("tiny-llama");
        RewriteWeights(target, t => t.Select(kv => kv.Key == "model.norm.weight" ? new KeyValuePair<string, Tensor>(kv.Key, ones(64, int64)) : kv));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(target));
        Assert.Contains("dtype I64", e.Message);
    }

    [Fact]
    public void Truncated_file_is_reported()
    {
        var target = CopyFixture("tiny-qwen2");
        var file = Path.Combine(target, "model.safetensors");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(target));
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "no header")]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 2 }, "bad safetensors header length")]
    [InlineData(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x', (byte)'"', (byte)'}' }, "not valid JSON")]
    public void Bad_header_is_reported(byte[] content, string expected)
    {
        var file = Path.Combine(dir, "bad.safetensors");
        File.WriteAllBytes(file, content);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.ReadHeader(file));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Missing_config_says_what_is_wrong()
    {
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir));
        Assert.Contains("no config.json", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => HfCheckpoint.Load(Path.Combine(dir, "nope")));
    }

    [Fact]
    public void Bfloat16_tensors_round_trip_exactly()
    {
        TestModels.Init();
        var file = Path.Combine(dir, "bf16.safetensors");
        var t = randn(5, 3).to(bfloat16);
        SafeTensors.Save(file, [("a", t)]);
        var back = SafeTensors.Load(file)["a"];
        Assert.Equal(ScalarType.BFloat16, back.dtype);
        Assert.True(back.eq(t).all().item<bool>());
    }

    private string CopyFixture(string name)
    {
        TestModels.Init();
        var target = Path.Combine(dir, name);
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(Fixture(name))) File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        return target;
    }

    private static void RewriteWeights(string target, Func<IEnumerable<KeyValuePair<string, Tensor>>, IEnumerable<KeyValuePair<string, Tensor>>> edit)
    {
        var file = Path.Combine(target, "model.safetensors");
        var tensors = SafeTensors.Load(file);
        SafeTensors.Save(file, edit(tensors).Select(kv => (kv.Key, kv.Value)).ToList());
    }

    private static long[,] Long2(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetInt64()).ToArray()).ToArray();
        var a = new long[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++) for (var j = 0; j < rows[0].Length; j++) a[i, j] = rows[i][j];
        return a;
    }

    private static float[,] Float2(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToArray();
        var a = new float[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++) for (var j = 0; j < rows[0].Length; j++) a[i, j] = rows[i][j];
        return a;
    }

    private static float[,,] Float3(JsonElement e)
    {
        var x = e.EnumerateArray().Select(Float2).ToArray();
        var a = new float[x.Length, x[0].GetLength(0), x[0].GetLength(1)];
        for (var i = 0; i < x.Length; i++) for (var j = 0; j < x[0].GetLength(0); j++) for (var k = 0; k < x[0].GetLength(1); k++) a[i, j,
            k] = x[i][j, k];
        return a;
    }
}
