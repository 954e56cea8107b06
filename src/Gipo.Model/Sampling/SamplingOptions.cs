namespace Gipo.Model.Sampling;

/// <summary>
/// How tokens are drawn. RL training uses the defaults (top-p 1, top-k 0) so that the learner can reproduce the
/// behaviour log-probs exactly (docs/algorithm.md §0).
/// </summary>
/// <param name="Temperature">Logits are divided by this before log-probs, entropies and sampling; must be &gt; 0.</param>
/// <param name="TopP">Nucleus mass kept (1 = off).</param>
/// <param name="TopK">Most likely tokens kept (0 = off).</param>
/// <param name="MaxNewTokens">Generation stops after this many tokens if no EOS came.</param>
/// <param name="Greedy">Arg-max decoding; log-probs and entropies are then reported at temperature 1.</param>
/// <param name="IgnoreEos">Keep generating after EOS, to exactly <paramref name="MaxNewTokens"/> (benchmarks only, like vLLM's ignore_eos).</param>
public sealed record SamplingOptions(double Temperature = 1.0, double TopP = 1.0, int TopK = 0, int MaxNewTokens = 64, bool Greedy = false,
                                     bool IgnoreEos = false)
{
    /// <summary>Throws naming the bad option.</summary>
    public SamplingOptions Validate()
    {
        if (!Greedy && !(Temperature > 0) ) throw new ArgumentException($"temperature must be > 0 (got {Temperature}); use greedy for arg-max");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top-p must be in (0, 1] (got {TopP})");
        if (TopK < 0) throw new ArgumentException($"top-k must be >= 0 (got {TopK})");
        if (MaxNewTokens < 1) throw new ArgumentException($"max new tokens must be >= 1 (got {MaxNewTokens})");
        return this;
    }

    /// <summary>The temperature log-probs are computed at.</summary>
    public double EffectiveTemperature => Greedy ? 1.0 : Temperature;
}
