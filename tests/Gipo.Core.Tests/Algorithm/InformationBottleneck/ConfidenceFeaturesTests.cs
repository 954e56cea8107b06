using Gipo.Core.Algorithm.InformationBottleneck;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.InformationBottleneck;

public class ConfidenceFeaturesTests
{
    public ConfidenceFeaturesTests() => Torch.Init();

    private static double[] Values(Tensor t) => t.detach().to(float64).cpu().reshape(-1).data<double>().ToArray();

    [Fact]
    public void Uniform_logits_have_zero_self_certainty_and_maximal_entropy()
    {
        using var logits = full(5, 37, 2.5f);
        using var tokens = tensor(new long[] { 0, 3, 7, 36, 1 });

        using var c = TokenConfidence.FromLogits(logits, tokens, temperature: 0.7);

        Assert.All(Values(c.SelfCertainty), v => Assert.Equal(0, v, 5));
        Assert.All(Values(c.Entropy), v => Assert.Equal(Math.Log(37), v, 5));
        Assert.All(Values(c.LogProb), v => Assert.Equal(-Math.Log(37), v, 5));
    }

    [Fact]
    public void Self_certainty_is_the_kl_from_uniform_and_grows_with_confidence()
    {
        using var gen = new Generator(5);
        using var logits = randn(4, 11, generator: gen) * 3;
        using var sc = ConfidenceFeatures.SelfCertainty(logits, temperature: 2);

        // KL(U ‖ p) = Σ_v (1/V)(log(1/V) − log p_v), with p at τ = 2.
        using var logp = nn.functional.log_softmax(logits / 2, -1);
        using var kl = (-Math.Log(11) - logp).mean([-1]);
        Assert.Equal(Values(kl), Values(sc), (a, b) => Math.Abs(a - b) < 1e-5);

        using var peaked = tensor(new float[] { 20, 0, 0, 0 }).unsqueeze(0);
        Assert.True(ConfidenceFeatures.SelfCertainty(peaked).item<float>() > 3);
    }

    [Fact]
    public void Step_means_average_each_steps_tokens_and_skip_padding()
    {
        using var values = tensor(new float[] { 1, 3, 10, 20, 30, 99, 99 });
        int[] stepOfToken = [0, 0, 1, 1, 1, -1, -1];

        using var means = ConfidenceFeatures.StepMeans(values, stepOfToken, 2);

        Assert.Equal([2.0, 20.0], Values(means));
    }

    [Fact]
    public void Step_index_comes_from_the_segmenters_index_sets()
    {
        Assert.Equal([0, 0, 1, 2, 2, -1], ConfidenceFeatures.StepIndexOfTokens([[0, 1], [2], [3, 4]], 6));
        Assert.Throws<ArgumentException>(() => ConfidenceFeatures.StepIndexOfTokens([[0, 1], [1]], 3));
    }

    [Fact]
    public void State_positions_are_the_last_prompt_token_and_the_step_ends()
    {
        // Prompt of 4 tokens; steps {0,1}, {2}, {3,4}: h_0 at 3, h_1 at 4+1, h_2 at 4+2 (h_3 would be terminal).
        Assert.Equal([3L, 5, 6], ConfidenceFeatures.StatePositions(4, [0, 0, 1, 2, 2, -1]));
    }

    [Fact]
    public void Build_and_assemble_give_one_row_per_non_terminal_state()
    {
        const int hiddenSize = 8, positionBuckets = 2;
        using var gen = new Generator(11);
        int[] stepOfToken = [0, 0, 1, 1, 2, 2, 2, -1];
        using var hidden = randn(3, hiddenSize, generator: gen) * 4 + 1;
        using var logits = randn(8, 13, generator: gen);
        using var tokens = tensor(new long[] { 1, 2, 3, 4, 5, 6, 7, 0 });
        using var confidence = TokenConfidence.FromLogits(logits, tokens);

        using var features = ConfidenceFeatures.Build(hidden, confidence, stepOfToken, positionBuckets);

        Assert.Equal(3, features.States);
        Assert.Equal(hiddenSize + 4, features.InputSize);
        Assert.Equal([3L, 3], features.Confidence.shape);
        // Row 0 (the prompt state) has no step; row k holds step k's means (steps 1 and 2, never the terminal step 3).
        Assert.Equal([0.0, 0, 0], Values(features.Confidence[0]));
        using var stepSc = ConfidenceFeatures.StepMeans(confidence.SelfCertainty, stepOfToken, 3);
        Assert.Equal(Values(stepSc)[..2], Values(features.Confidence.select(1, 0))[1..], (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal([0.0, 0.5, 1.0], Values(features.Position));

        // LayerNorm without affine: every row has mean 0 and (biased) variance 1.
        var rowMean = Values(features.Hidden.mean([1]));
        var rowVar = Values(features.Hidden.var(1, unbiased: false));
        Assert.All(rowMean, m => Assert.Equal(0, m, 5));
        Assert.All(rowVar, v => Assert.Equal(1, v, 3));

        var normalizer = new FeatureNormalizer();
        normalizer.Update(features.IntermediateConfidence);
        using var u = ConfidenceFeatures.Assemble(features, normalizer);
        Assert.Equal([3L, hiddenSize + 4], u.shape);
        Assert.Equal(ScalarType.Float32, u.dtype);
        Assert.Equal([0.0, 0, 0, 0], Values(u[0].narrow(0, hiddenSize, 4)));
        Assert.Equal(1.0, u[2, hiddenSize + 3].item<float>());
        // Two intermediate rows standardised by their own statistics: ±1/√2 each.
        Assert.Equal(0, u[1, hiddenSize].item<float>() + u[2, hiddenSize].item<float>(), 5);
        Assert.Equal(1 / Math.Sqrt(2), Math.Abs(u[1, hiddenSize].item<float>()), 5);
    }

    [Fact]
    public void Position_is_capped_at_the_last_bucket()
    {
        using var hidden = zeros(5, 2);
        using var c = new TokenConfidence(zeros(5), zeros(5), zeros(5));

        using var features = ConfidenceFeatures.Build(hidden, c, [0, 1, 2, 3, 4], positionBuckets: 3);

        Assert.Equal([0, 1 / 3.0, 2 / 3.0, 1, 1], Values(features.Position), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void Build_rejects_hidden_states_that_do_not_match_the_step_count()
    {
        using var hidden = zeros(2, 4);
        using var c = new TokenConfidence(zeros(3), zeros(3), zeros(3));
        Assert.Throws<ArgumentException>(() => ConfidenceFeatures.Build(hidden, c, [0, 1, 2], 6));
    }
}
