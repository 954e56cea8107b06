using static TorchSharp.torch;

namespace Gipo.Model.Tests;

public sealed class PolicyModelTests
{
    private static readonly long[,] Sequence = { { 5, 9, 14, 3, 22, 7, 31, 11, 4, 18 } };

    [Theory]
    [InlineData(false, false, 2)]
    [InlineData(true, true, 1)]
    [InlineData(false, true, 4)]
    public void Kv_cache_decoding_gives_the_full_recompute_logits(bool qwen, bool tied, int kvHeads)
    {
        using var model = TestModels.Random(TestModels.Config(qwen, tied, kvHeads));
        using var _ = no_grad();
        var ids = TestModels.Ids(Sequence);
        var full = model.Forward(ids).Logits;

        using var cache = model.NewCache(1, 16);
        var prefill = model.Forward(ids.narrow(1, 0, 4), cache: cache).Logits;
        var stepped = new List<Tensor> { prefill };
        for (var t = 4; t < ids.shape[1]; t++)
            stepped.Add(model.Forward(ids.narrow(1, t, 1), cache: cache).Logits);
        var cached = cat(stepped, 1);

        Assert.Equal(10, cache.Length);
        Assert.True(full.allclose(cached, rtol: 1e-5, atol: 1e-5), $"max diff {(full - cached).abs().max().item<float>()}");
    }

    [Fact]
    public void Future_tokens_do_not_change_earlier_logits()
    {
        using var model = TestModels.Random(TestModels.Config());
        using var _ = no_grad();
        var ids = TestModels.Ids(Sequence);
        var a = model.Forward(ids).Logits.narrow(1, 0, 6);
        var changed = ids.clone();
        changed[0, 8] = 1;
        var b = model.Forward(changed).Logits.narrow(1, 0, 6);
        Assert.True(a.allclose(b, atol: 1e-6));
        Assert.False(model.Forward(changed).Logits.narrow(1, 8, 2).allclose(model.Forward(ids).Logits.narrow(1, 8, 2), atol: 1e-4));
    }

    [Fact]
    public void Left_padding_gives_the_same_logits_as_no_padding()
    {
        using var model = TestModels.Random(TestModels.Config(qwen: true));
        using var _ = no_grad();
        var ids = TestModels.Ids(Sequence);
        var plain = model.Forward(ids).Logits;
        var padded = cat([zeros([1, 3], int64), ids], 1);
        var mask = cat([zeros([1, 3], int64), ones([1, 10], int64)], 1);
        var out_ = model.Forward(padded, mask).Logits.narrow(1, 3, 10);
        Assert.True(plain.allclose(out_, rtol: 1e-5, atol: 1e-5), $"max diff {(plain - out_).abs().max().item<float>()}");
    }

    [Fact]
    public void Forward_returns_final_norm_hidden_states_that_produce_the_logits()
    {
        var config = TestModels.Config(tied: true);
        using var model = TestModels.Random(config);
        using var _ = no_grad();
        var (logits, hidden) = model.Forward(TestModels.Ids(Sequence));
        Assert.Equal(new long[] { 1, 10, config.HiddenSize }, hidden.shape);
        Assert.Equal(new long[] { 1, 10, config.VocabSize }, logits.shape);
        var embed = model.HfTensorViews().Single(v => v.Name == "model.embed_tokens.weight").View;
        Assert.True(logits.allclose(hidden.matmul(embed.t()), atol: 1e-5));
    }

    [Fact]
    public void Bfloat16_model_tracks_the_float32_model()
    {
        using var f32 = TestModels.Random(TestModels.Config());
        using var bf16 = TestModels.Random(TestModels.Config(dtype: "bfloat16"));
        using var _ = no_grad();
        foreach (var ((_, a), (_, b)) in f32.HfTensorViews().Zip(bf16.HfTensorViews())) b.copy_(a);
        Assert.Equal(ScalarType.BFloat16, bf16.WeightDtype);
        var ids = TestModels.Ids(Sequence);
        var p32 = nn.functional.softmax(f32.Forward(ids).Logits, -1);
        var p16 = nn.functional.softmax(bf16.Forward(ids).Logits, -1);
        Assert.Equal(ScalarType.Float32, p16.dtype);
        Assert.True((p32 - p16).abs().max().item<float>() < 0.05f);
    }

    [Fact]
    public void Parameter_count_matches_the_formula()
    {
        foreach (var config in new[] { TestModels.Config(), TestModels.Config(qwen: true, tied: true, kvHeads: 1), ModelConfig.Tiny(100, 2, 0) })
        {
            TestModels.Init();
            using var model = new PolicyModel(config);
            Assert.Equal(config.ParameterCount(), model.parameters().Sum(p => p.numel()));
        }
        Assert.InRange(ModelConfig.Tiny(100, 2, 0).ParameterCount(), 3_000_000, 3_500_000);
    }

    [Theory]
    [InlineData("""{"model_type":"gpt2","vocab_size":10,"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":2}""",
                "model_type")]
    [InlineData("""{"model_type":"llama","hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":2}""", "vocab_size")]
    [InlineData("""{"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":""" +
                """2,"num_key_value_heads":3}""", "num_key_value_heads")]
    [InlineData("""{"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":""" +
                """2,"rope_parameters":{"rope_type":"yarn"}}""", "rope_type")]
    [InlineData("""{"model_type": """, "not valid JSON")]
    public void Bad_config_names_the_problem(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => ModelConfig.FromHfJson(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Config_round_trips_through_hf_json_in_both_layouts()
    {
        var config = TestModels.Config(qwen: true, tied: true, kvHeads: 1);
        Assert.Equal(config with { }, ModelConfig.FromHfJson(config.ToHfJson()) with { EosTokenIds = config.EosTokenIds });
        var v4 = """{"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":""" +
                 """2,"rope_theta":500000.0,"torch_dtype":"bfloat16","eos_token_id":[1,2]}""";
        var parsed = ModelConfig.FromHfJson(v4);
        Assert.Equal(500000.0, parsed.RopeTheta);
        Assert.Equal("bfloat16", parsed.Dtype);
        Assert.Equal([1, 2], parsed.EosTokenIds);
        Assert.Equal(4, parsed.HeadDim);
    }
}
