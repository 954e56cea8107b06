using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// Features u_k = [LN(h_k); stdz(SC_k, LP_k, EH_k); pos_k] ∈ R^{d_h+4} of each non-terminal state (§C.2).
/// Steps are given per token as a zero-based step index (step k ↔ index k−1, −1 on padding), the layout the
/// step segmenter's index sets S_k flatten to.
/// </summary>
public static class ConfidenceFeatures
{
    /// <summary>Number of confidence features: SC, LP, EH.</summary>
    public const int ConfidenceCount = 3;

    /// <summary>Features after LN(h): the three standardised confidences and the position.</summary>
    public const int ExtraFeatures = ConfidenceCount + 1;

    /// <summary>
    /// SC_t = logsumexp(z̃_t) − mean_v z̃_t,v − log V = KL(U ‖ p_t) ≥ 0 over the last dimension: 0 for a uniform
    /// distribution, large for a confident one. Keeps the −log V that Intuitor's code omits, so SC is 0 at uniform.
    /// </summary>
    public static Tensor SelfCertainty(Tensor logits, double temperature = 1.0)
    {
        using var scope = NewDisposeScope();
        return SelfCertaintyOf(TokenConfidence.Tempered(logits, temperature)).MoveToOuterDisposeScope();
    }

    internal static Tensor SelfCertaintyOf(Tensor z)
    {
        using var logVocabulary = Math.Log(z.shape[^1]).ToScalar();
        return (z.logsumexp(-1) - z.mean([-1])).sub(logVocabulary);
    }

    /// <summary>
    /// Positions, in the prompt++response sequence, whose hidden states are h_0..h_{K−1}: the last prompt token for
    /// k = 0, then the last token e_k of each step k = 1..K−1 (the hidden at a position summarises every token up to it).
    /// </summary>
    public static long[] StatePositions(int promptLength, ReadOnlySpan<int> stepOfToken)
    {
        if (promptLength < 1) throw new ArgumentOutOfRangeException(nameof(promptLength), promptLength, "the prompt needs a token");
        var steps = StepCount(stepOfToken);
        var positions = new long[steps];
        positions[0] = promptLength - 1;
        for (var t = 0; t < stepOfToken.Length; t++)
        {
            // Tokens run in order, so the last write for a step is its last token e_k.
            var step = stepOfToken[t];
            if (step >= 0 && step < steps - 1) positions[step + 1] = promptLength + t;
        }
        return positions;
    }

    /// <summary>
    /// The per-token step index (length <paramref name="tokenCount"/>, −1 where no step claims a token, e.g. padding)
    /// of a response whose steps S_1..S_K are given as token index sets, as the step segmenter returns them.
    /// </summary>
    public static int[] StepIndexOfTokens(IReadOnlyList<int[]> steps, int tokenCount)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var stepOfToken = Enumerable.Repeat(-1, tokenCount).ToArray();
        for (var k = 0; k < steps.Count; k++)
            foreach (var t in steps[k])
            {
                if (t < 0 || t >= tokenCount) throw new ArgumentException($"step {k + 1} holds token {t}, outside 0..{tokenCount - 1}",
                                                                          nameof(steps));
                if (stepOfToken[t] >= 0) throw new ArgumentException($"token {t} is in steps {stepOfToken[t] + 1} and {k + 1}", nameof(steps));
                stepOfToken[t] = k;
            }
        return stepOfToken;
    }

    /// <summary>K: one more than the largest step index (steps are contiguous and non-empty).</summary>
    public static int StepCount(ReadOnlySpan<int> stepOfToken)
    {
        var max = -1;
        foreach (var step in stepOfToken) max = Math.Max(max, step);
        if (max < 0) throw new ArgumentException("the response has no step (every token is padding)", nameof(stepOfToken));
        return max + 1;
    }

    /// <summary>
    /// Mean of <paramref name="perToken"/> [T] over each step's tokens: [K] with element k−1 for step k.
    /// A step without tokens (which the segmenter never produces) averages to 0.
    /// </summary>
    public static Tensor StepMeans(Tensor perToken, ReadOnlySpan<int> stepOfToken, int steps)
    {
        if (perToken.dim() != 1 || perToken.shape[0] != stepOfToken.Length)
            throw new ArgumentException($"expected [{stepOfToken.Length}] values, got [{string.Join(", ", perToken.shape)}]", nameof(perToken));
        using var scope = NewDisposeScope();
        var index = tensor(stepOfToken.ToArray(), dtype: int64, device: perToken.device);
        var valid = index >= ConstantScalars.Zero;
        var values = perToken.detach().to(float32).masked_select(valid);
        var at = index.masked_select(valid);
        var sums = zeros(steps, dtype: float32, device: perToken.device).index_add_(0, at, values, ConstantScalars.One);
        var counts = zeros(steps, dtype: float32, device: perToken.device).index_add_(0, at, ones_like(values), ConstantScalars.One);
        return (sums / counts.clamp_min(ConstantScalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The raw features of one trajectory's K states from <paramref name="stateHidden"/> [K, d_h] (rows h_0..h_{K−1},
    /// e.g. <c>hidden.index_select(0, StatePositions(...))</c>), its per-token confidences and its step index.
    /// <paramref name="positionBuckets"/> is K_B (§B.3), which caps the position feature.
    /// </summary>
    public static StepFeatures Build(Tensor stateHidden, TokenConfidence tokens, ReadOnlySpan<int> stepOfToken, int positionBuckets)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (positionBuckets < 1) throw new ArgumentOutOfRangeException(nameof(positionBuckets), positionBuckets, "K_B must be ≥ 1");
        var steps = StepCount(stepOfToken);
        if (stateHidden.dim() != 2 || stateHidden.shape[0] != steps)
            throw new ArgumentException($"expected {steps} state hidden vectors [K, d_h], got [{string.Join(", ", stateHidden.shape)}]",
                                        nameof(stateHidden));

        using var scope = NewDisposeScope();
        var device = stateHidden.device;
        var hidden = LayerNormHidden(stateHidden.detach());
        // Step k's confidence describes state s_k (after step k); state 0 has none, and step K ends the trajectory.
        var perStep = stack([
            StepMeans(tokens.SelfCertainty, stepOfToken, steps),
            StepMeans(tokens.LogProb, stepOfToken, steps),
            StepMeans(tokens.Entropy, stepOfToken, steps),
        ], 1).to(device);
        var confidence = cat([zeros(1, ConfidenceCount, dtype: float32, device: device), perStep.narrow(0, 0, steps - 1)], 0);
        using var stepCount = steps.ToScalar();
        using var buckets = positionBuckets.ToScalar();
        var position = arange(ConstantScalars.Zero, stepCount, ConstantScalars.One, dtype: float32, device: device).clamp_max(buckets).div(buckets);
        return new StepFeatures(hidden.MoveToOuterDisposeScope(), confidence.MoveToOuterDisposeScope(), position.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// LN(h) of §C.2 for state hidden vectors [N, d_h]: LayerNorm over d_h without affine parameters, in float32.
    /// Does not detach, so <c>ib.backprop_to_policy</c> can keep the policy's graph; <see cref="Build"/> detaches first.
    /// </summary>
    public static Tensor LayerNormHidden(Tensor stateHidden) => F.layer_norm(stateHidden.to(float32), [stateHidden.shape[^1]]);

    /// <summary>u for every state of one trajectory: [K, d_h+4] float32, confidences standardised by <paramref name="normalizer"/>.</summary>
    public static Tensor Assemble(StepFeatures features, FeatureNormalizer normalizer) => Assemble([features], normalizer);

    /// <summary>u for the states of several trajectories, concatenated in order: [ΣK, d_h+4] float32.</summary>
    public static Tensor Assemble(IReadOnlyList<StepFeatures> trajectories, FeatureNormalizer normalizer)
    {
        ArgumentNullException.ThrowIfNull(normalizer);
        if (trajectories.Count == 0) throw new ArgumentException("no trajectories", nameof(trajectories));
        using var scope = NewDisposeScope();
        var device = trajectories[0].Hidden.device;
        var hidden = cat(trajectories.Select(f => f.Hidden.to(device)).ToArray(), 0);
        var confidence = cat(trajectories.Select(f => f.Confidence.to(device)).ToArray(), 0);
        var position = cat(trajectories.Select(f => f.Position.to(device)).ToArray(), 0);
        var hasStep = cat(trajectories.Select(f => HasStep(f.States, device)).ToArray(), 0);
        return Assemble(hidden, confidence, position, hasStep, normalizer).MoveToOuterDisposeScope();
    }

    // 1 for every state after the prompt state (k ≥ 1): [states] float32.
    private static Tensor HasStep(int states, Device device)
    {
        using var count = states.ToScalar();
        return (arange(ConstantScalars.Zero, count, ConstantScalars.One, device: device) > ConstantScalars.Zero).to(float32);
    }

    /// <summary>
    /// u from flat rows: <paramref name="hidden"/> [N, d_h] (LN applied), raw <paramref name="confidence"/> [N, 3],
    /// <paramref name="position"/> [N] and <paramref name="hasStep"/> [N] (1 where k ≥ 1). The prompt state's
    /// standardised confidences are 0, the running mean: it has no step, so it carries no confidence signal.
    /// </summary>
    public static Tensor Assemble(Tensor hidden, Tensor confidence, Tensor position, Tensor hasStep, FeatureNormalizer normalizer)
    {
        using var scope = NewDisposeScope();
        var standardised = normalizer.Normalize(confidence.to(float32)) * hasStep.to(float32).unsqueeze(1);
        return cat([hidden.to(float32), standardised, position.to(float32).unsqueeze(1)], 1).MoveToOuterDisposeScope();
    }
}
