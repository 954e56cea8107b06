using Gipo.Core.Algorithm.Entropy;
using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Entropy;

public sealed class TokenEntropyTests
{
    public TokenEntropyTests() => Gipo.Core.Tests.Algorithm.Torch.Init();

    [Fact]
    public void Uniform_logits_have_entropy_log_v_and_zero_self_certainty()
    {
        const int v = 37;
        var logits = full([2, 3, v], 1.7f);

        var h = TokenGrids.Values(TokenEntropy.FromLogits(logits));
        var sc = TokenGrids.Values(TokenEntropy.SelfCertainty(logits));

        Assert.All(h, x => Assert.Equal(Math.Log(v), x, 5));
        Assert.All(sc, x => Assert.Equal(0, x, 5));
    }

    [Fact]
    public void One_hot_like_logits_have_entropy_near_zero()
    {
        var logits = zeros(4, 50);
        logits[.., 7] = tensor(100f);

        Assert.All(TokenGrids.Values(TokenEntropy.FromLogits(logits)), x => Assert.InRange(x, 0, 1e-6));
        Assert.All(TokenGrids.Values(TokenEntropy.SelfCertainty(logits)), x => Assert.True(x > 50));
    }

    [Fact]
    public void Matches_minus_sum_p_log_p_at_the_temperature()
    {
        var logits = randn([3, 5, 11], generator: new Generator(1)) * 3;
        const double tau = 0.7;

        var logp = nn.functional.log_softmax(logits / tau, -1);
        var expected = TokenGrids.Values(-(logp.exp() * logp).sum(-1));
        var actual = TokenGrids.Values(TokenEntropy.FromLogits(logits, tau));

        Assert.Equal([3, 5], TokenEntropy.FromLogits(logits, tau).shape);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
    }

    [Fact]
    public void Self_certainty_is_kl_from_uniform()
    {
        var logits = randn([6, 9], generator: new Generator(2));
        var logp = nn.functional.log_softmax(logits, -1);
        var expected = TokenGrids.Values((-logp).mean([-1L]) - Math.Log(9));

        var actual = TokenGrids.Values(TokenEntropy.SelfCertainty(logits));

        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(28)]
    [InlineData(1000)]
    public void Chunked_equals_unchunked(int chunkRows)
    {
        var logits = randn([4, 7, 33], generator: new Generator(3)) * 4;

        var whole = TokenEntropy.FromLogits(logits, 1.3);
        var chunked = TokenEntropy.FromLogits(logits, 1.3, chunkRows);

        Assert.Equal(whole.shape, chunked.shape);
        Assert.True(allclose(whole, chunked, rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void Chunked_entropy_carries_the_same_gradient()
    {
        var logits = randn([3, 4, 6], dtype: ScalarType.Float64, generator: new Generator(4)).requires_grad_();
        TokenEntropy.FromLogits(logits).sum().backward();
        var whole = logits.grad!.clone();
        logits.grad!.zero_();

        TokenEntropy.FromLogits(logits, chunkRows: 5).sum().backward();

        Assert.True(allclose(whole, logits.grad!, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void Half_precision_logits_are_computed_in_float32()
    {
        var logits = randn([2, 8]).to_type(ScalarType.BFloat16);

        Assert.Equal(ScalarType.Float32, TokenEntropy.FromLogits(logits).dtype);
        Assert.Equal(ScalarType.Float64, TokenEntropy.FromLogits(logits.to_type(ScalarType.Float64)).dtype);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var logits = zeros(2, 3);

        Assert.Throws<ArgumentException>(() => TokenEntropy.FromLogits(logits, temperature: 0));
        Assert.Throws<ArgumentException>(() => TokenEntropy.FromLogits(logits, temperature: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenEntropy.FromLogits(logits, chunkRows: -1));
        Assert.Throws<ArgumentException>(() => TokenEntropy.FromLogits(zeros(2, 0)));
    }
}
