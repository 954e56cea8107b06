using Gipo.Model.Sampling;
using Gipo.Model.Tests.Training;
using Gipo.Model.Training;
using static TorchSharp.torch;

namespace Gipo.Model.Tests.Sampling;

public sealed class SamplerTests
{
    private const int Eos = 2, Pad = 0;

    private static GenerationRequest Req(ulong seed, params int[] prompt) => new(prompt, seed);

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.7)]
    public void Returned_logprobs_equal_a_teacher_forced_forward(double temperature)
    {
        using var model = TestModels.Random(TestModels.Config(qwen: true, kvHeads: 1), seed: 3);
        var sampler = new Sampler(model, [Eos], Pad);
        var requests = new[] { Req(11, 5, 9, 14), Req(12, 7, 3, 22, 30, 1, 8), Req(13, 4) };
        var outputs = sampler.Generate(requests, new SamplingOptions(Temperature: temperature, MaxNewTokens: 12));

        using var _ = no_grad();
        using var batch = TokenBatch.Create(outputs.Select(o => (o.PromptIds, (IReadOnlyList<int>)o.TokenIds)).ToList(), Pad, model.Device);
        var (logp, entropy) = TeacherForcing.Score(model, batch, temperature);
        for (var b = 0; b < outputs.Count; b++)
        {
            Assert.NotEmpty(outputs[b].TokenIds);
            var expected = TeacherForcing.ResponseValues(logp, batch, b);
            var expectedEntropy = TeacherForcing.ResponseValues(entropy, batch, b);
            for (var t = 0; t < expected.Length; t++)
            {
                Assert.Equal(expected[t], outputs[b].LogProbs[t], 1e-4);
                Assert.Equal(expectedEntropy[t], outputs[b].Entropies[t], 1e-4);
            }
        }
    }

    [Fact]
    public void Same_seed_and_weights_give_the_same_tokens_whatever_the_batch()
    {
        using var model = TestModels.Random(TestModels.Config(), seed: 4);
        var sampler = new Sampler(model, [Eos], Pad);
        var options = new SamplingOptions(MaxNewTokens: 16);
        var alone = sampler.Generate([Req(99, 5, 9, 14)], options)[0];
        var again = sampler.Generate([Req(99, 5, 9, 14)], options)[0];
        var batched = sampler.Generate([Req(1, 7, 3, 22, 30, 1, 8, 9, 9), Req(99, 5, 9, 14), Req(2, 4)], options)[1];
        var otherSeed = sampler.Generate([Req(100, 5, 9, 14)], options)[0];

        Assert.Equal(alone.TokenIds, again.TokenIds);
        Assert.Equal(alone.TokenIds, batched.TokenIds); // left padding and neighbours change nothing
        Assert.NotEqual(alone.TokenIds, otherSeed.TokenIds);
    }

    [Fact]
    public void Greedy_picks_the_argmax_of_a_full_forward()
    {
        using var model = TestModels.Random(TestModels.Config(), seed: 5);
        var output = new Sampler(model, [Eos], Pad).Generate([Req(0, 5, 9, 14)], new SamplingOptions(Greedy: true, MaxNewTokens: 6))[0];
        using var _ = no_grad();
        var seq = new List<long> { 5, 9, 14 };
        foreach (var token in output.TokenIds)
        {
            var next = model.Forward(tensor(seq.ToArray()).unsqueeze(0)).Logits[0, -1].argmax().item<long>();
            Assert.Equal(next, token);
            seq.Add(token);
        }
    }

    [Fact]
    public void Stops_at_eos_and_includes_it_or_runs_to_the_limit()
    {
        using var alwaysEos = ConstantModel(eosLogit: 30);
        var first = new Sampler(alwaysEos, [Eos], Pad).Generate([Req(1, 5, 6), Req(2, 7)], new SamplingOptions(MaxNewTokens: 8));
        Assert.All(first, o =>
        {
            Assert.Equal([Eos], o.TokenIds);
            Assert.True(o.StoppedAtEos);
            Assert.Equal(0.0, o.LogProbs[0], 3);
        });

        using var neverEos = ConstantModel(eosLogit: -30);
        var full = new Sampler(neverEos, [Eos], Pad).Generate([Req(1, 5, 6)], new SamplingOptions(MaxNewTokens: 8))[0];
        Assert.Equal(8, full.TokenIds.Length);
        Assert.False(full.StoppedAtEos);
        Assert.DoesNotContain(Eos, full.TokenIds);
        // The other 36 tokens are equally likely: entropy log(36), each log-prob −log(36).
        Assert.All(full.Entropies, h => Assert.Equal(Math.Log(36), h, 3));
        Assert.All(full.LogProbs, lp => Assert.Equal(-Math.Log(36), lp, 3));
    }

    [Fact]
    public void Finished_sequences_do_not_grow_while_others_continue()
    {
        using var model = TestModels.Random(TestModels.Config(), seed: 6);
        var sampler = new Sampler(model, [Eos], Pad);
        var options = new SamplingOptions(MaxNewTokens: 20);
        var outs = sampler.Generate(Enumerable.Range(0, 16).Select(i => Req((ulong)i, 5, 9)).ToList(), options);
        Assert.All(outs, o =>
        {
            if (o.StoppedAtEos) Assert.Equal(Eos, o.TokenIds[^1]);
            else Assert.Equal(20, o.TokenIds.Length);
            Assert.Equal(1, o.TokenIds.Count(t => t == Eos) + (o.StoppedAtEos ? 0 : 1));
            Assert.Equal(o.TokenIds.Length, o.LogProbs.Length);
        });
    }

    [Fact]
    public void Top_k_one_equals_greedy_and_top_p_keeps_the_nucleus()
    {
        using var model = TestModels.Random(TestModels.Config(), seed: 7);
        var sampler = new Sampler(model, [Eos], Pad);
        var greedy = sampler.Generate([Req(3, 5, 9)], new SamplingOptions(Greedy: true, MaxNewTokens: 10))[0];
        var topK = sampler.Generate([Req(3, 5, 9)], new SamplingOptions(TopK: 1, MaxNewTokens: 10))[0];
        Assert.Equal(greedy.TokenIds, topK.TokenIds);
        Assert.All(topK.LogProbs, lp => Assert.Equal(0.0, lp, 5)); // truncated to one token: probability 1

        var logits = tensor(new float[,] { { 3f, 2f, 1f, -5f } });
        for (var i = 0; i < 50; i++)
        {
            var (token, lp, _) = Sampler.Draw(logits, tensor(new[,] { { i / 50f } }), new SamplingOptions(TopP: 0.8));
            Assert.InRange(token.item<long>(), 0, 1); // p = .66, .24, ...: the 0.8 nucleus is tokens 0 and 1
            Assert.True(lp.item<float>() > Math.Log(0.2));
        }
    }

    [Fact]
    public void Hidden_states_are_captured_at_step_boundaries_and_match_a_full_forward()
    {
        using var model = TestModels.Random(TestModels.Config(), seed: 8);
        var sampler = new Sampler(model, [Eos], Pad);
        var delimiters = new HashSet<int> { 10, 11, 12, 13, 14, 15 };
        var o = sampler.Generate([Req(5, 5, 9, 14)], new SamplingOptions(MaxNewTokens: 12), delimiters)[0];
        var expectedPositions = new[] { -1 }.Concat(Enumerable.Range(0, o.TokenIds.Length)
            .Where(j => delimiters.Contains(o.TokenIds[j]) || j == o.TokenIds.Length - 1)).ToArray();
        Assert.Equal(expectedPositions, o.Hidden.Select(h => h.Position));

        using var _ = no_grad();
        var seq = new long[] { 5, 9, 14 }.Concat(o.TokenIds.Select(t => (long)t)).ToArray();
        var hidden = model.Forward(tensor(seq).unsqueeze(0)).Hidden[0];
        foreach (var h in o.Hidden)
        {
            var expected = hidden[3 + h.Position].data<float>().ToArray(); // prompt has 3 tokens: -1 is index 2
            Assert.Equal(expected.Length, h.Vector.Length);
            for (var k = 0; k < expected.Length; k++) Assert.Equal(expected[k], h.Vector[k], 1e-4);
        }
    }

    [Fact]
    public void Bad_requests_are_rejected_with_a_reason()
    {
        using var model = TestModels.Random(TestModels.Config());
        var sampler = new Sampler(model, [Eos], Pad);
        Assert.Contains("at least one token", Assert.Throws<ArgumentException>(() => sampler.Generate([Req(1)], new SamplingOptions())).Message);
        Assert.Contains("outside the vocabulary",
                        Assert.Throws<ArgumentException>(() => sampler.Generate([Req(1, 500)], new SamplingOptions())).Message);
        Assert.Contains("temperature",
                        Assert.Throws<ArgumentException>(() => sampler.Generate([Req(1, 5)], new SamplingOptions(Temperature: 0))).Message);
        Assert.Empty(sampler.Generate([], new SamplingOptions()));
    }

    /// <summary>Every position sees the same hidden vector, so the next-token distribution is fixed: EOS gets
    /// <paramref name="eosLogit"/>, every other token 0.</summary>
    private static PolicyModel ConstantModel(float eosLogit)
    {
        var model = TestModels.Random(TestModels.Config(tied: false));
        using var _ = no_grad();
        foreach (var (name, view) in model.HfTensorViews())
        {
            if (name.EndsWith("o_proj.weight") || name.EndsWith("down_proj.weight")) view.zero_();
            if (name == "model.embed_tokens.weight") view.fill_(1f);
            if (name == "model.norm.weight") view.fill_(1f);
            if (name == "lm_head.weight")
            {
                view.zero_();
                view[Eos].fill_(eosLogit / view.shape[1]);
            }
        }
        return model;
    }
}
