using Gipo.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model.Probe;

/// <summary>
/// The variational-information-bottleneck probe of §C.3 (Alemi et al.; parameterisation as in VIB-pytorch):
/// e = GELU(W₁u + b₁), μ = W_μ e + b_μ, σ = softplus(W_σ e + b_σ − 5) + 10⁻⁴, z = μ + σ ⊙ ε while training and
/// z = μ when scoring, q(y = 1 | z) = sigmoid(wᵀz + c). The −5 starts σ near softplus(−5) ≈ 0.007, so training
/// begins almost deterministic and the KL term decides how much noise the code can afford; the 10⁻⁴ floor keeps
/// log σ finite.
/// </summary>
public sealed class VibProbe : OutcomeProbe
{
    /// <summary>Shift inside the softplus of σ.</summary>
    public const double SigmaShift = 5.0;

    /// <summary>Floor added to σ.</summary>
    public const double SigmaFloor = 1e-4;

    private readonly Linear encoder;
    private readonly Linear mu_head;
    private readonly Linear sigma_head;
    private readonly Linear decoder;

    /// <param name="inputSize">D = d_h + 4.</param>
    /// <param name="embedDim">d_e.</param>
    /// <param name="latentDim">d_z.</param>
    /// <param name="seed">Seed of the initial weights (a private generator: the global one is shared by parallel tests).</param>
    public VibProbe(int inputSize, int embedDim = 64, int latentDim = 16, long seed = 0) : base("vib_probe")
    {
        if (inputSize < 1 || embedDim < 1 || latentDim < 1)
            throw new ArgumentException($"bad probe sizes: input {inputSize}, d_e {embedDim}, d_z {latentDim}");
        (InputSize, EmbedDim, LatentDim) = (inputSize, embedDim, latentDim);
        encoder = nn.Linear(inputSize, embedDim);
        mu_head = nn.Linear(embedDim, latentDim);
        sigma_head = nn.Linear(embedDim, latentDim);
        decoder = nn.Linear(latentDim, 1);
        RegisterComponents();
        InitUniform(seed);
    }

    public override int InputSize { get; }

    /// <summary>d_e.</summary>
    public int EmbedDim { get; }

    /// <summary>d_z.</summary>
    public int LatentDim { get; }

    /// <summary>The encoder p(z | u) = N(μ, diag σ²): μ and σ, each [N, d_z].</summary>
    public (Tensor Mu, Tensor Sigma) Encode(Tensor u) => EncodeChecked(RequireInput(u));

    private (Tensor Mu, Tensor Sigma) EncodeChecked(Tensor u)
    {
        var e = F.gelu(encoder.forward(u));
        using var shift = SigmaShift.ToScalar();
        using var floor = SigmaFloor.ToScalar();
        using var threshold = 20.0.ToScalar();
        // F.softplus(x) (β = 1, threshold 20) spelt out, because TorchSharp makes its β and threshold Scalars
        // implicitly: x above the threshold, else log(1 + eˣ), the same kernel formula and gradient. The clamp keeps
        // exp finite in the branch where() discards, so its gradient is 0 rather than NaN.
        var shifted = sigma_head.forward(e).sub(shift);
        var softplus = where(shifted > threshold, shifted, shifted.clamp_max(threshold).exp().log1p());
        var sigma = softplus.add(floor, ConstantScalars.One);
        return (mu_head.forward(e), sigma);
    }

    /// <summary>KL(N(μ, diag σ²) ‖ N(0, I)) = ½Σ_j(μ_j² + σ_j² − 1 − 2 log σ_j) per row: [N].</summary>
    public static Tensor KlToStandardNormal(Tensor mu, Tensor sigma) =>
        (mu * mu).add(sigma * sigma, ConstantScalars.One).sub(ConstantScalars.One).sub(sigma.log().mul(ConstantScalars.Two)).sum(-1)
            .mul(ConstantScalars.Half);

    protected override Tensor LogitsOf(Tensor u) => decoder.forward(EncodeChecked(u).Mu).squeeze(-1);

    protected override ProbeLoss LossOf(Tensor u, Tensor y, Tensor weights, double betaIb, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var (mu, sigma) = EncodeChecked(u);
        var z = mu.add(sigma * Noise(mu, generator), ConstantScalars.One);
        var bce = F.binary_cross_entropy_with_logits(decoder.forward(z).squeeze(-1), y.to(float32), reduction: nn.Reduction.None);
        var kl = KlToStandardNormal(mu, sigma);
        var w = weights.to(float32);
        using var beta = betaIb.ToScalar();
        var total = WeightedMean(bce.add(kl, beta), w);
        return new ProbeLoss(total.MoveToOuterDisposeScope(), WeightedMean(bce, w).detach().MoveToOuterDisposeScope(),
            WeightedMean(kl, w).detach().MoveToOuterDisposeScope());
    }

    /// <summary>ε ~ N(0, I) shaped like μ; drawn on the CPU from a CPU generator, which cannot fill device tensors.</summary>
    private static Tensor Noise(Tensor like, Generator? generator) => generator is null
        ? randn(like.shape, dtype: like.dtype, device: like.device)
        : randn(like.shape, dtype: like.dtype, generator: generator).to(like.device);
}
