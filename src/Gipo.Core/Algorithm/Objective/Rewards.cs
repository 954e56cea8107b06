namespace Gipo.Core.Algorithm.Objective;

/// <summary>The scalar outcome reward R of docs/algorithm.md §A.1. The success label y is never changed by shaping.</summary>
public static class Rewards
{
    /// <summary>
    /// min(0, −(T − (L_max − L_buf)) / L_buf · p): zero up to L_max − L_buf tokens, then falling linearly to −p at
    /// T = L_max (DAPO arXiv 2503.14476).
    /// </summary>
    public static double OverlongPenalty(int length, int maxLength, int buffer, double penalty)
    {
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "L_max must be >= 1");
        if (buffer < 1 || buffer > maxLength)
            throw new ArgumentOutOfRangeException(nameof(buffer), buffer, $"the overlong buffer must be in [1, L_max = {maxLength}]");
        if (!double.IsFinite(penalty) || penalty < 0)
            throw new ArgumentOutOfRangeException(nameof(penalty), penalty, "the overlong penalty must be finite and >= 0");
        if (length < 0 || length > maxLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"a response length must be in [0, L_max = {maxLength}]");
        var excess = length - (maxLength - buffer);
        return Math.Min(0.0, -(double)excess / buffer * penalty);
    }

    /// <summary>
    /// The outcome reward of one response. Without shaping, a truncated response scores 0 whatever the verifier
    /// says (it stays in its group: Skywork-OR1 found masking it hurts); with shaping, every response scores the
    /// verifier reward plus <see cref="OverlongPenalty"/>, so the penalty alone tells truncated responses apart.
    /// </summary>
    /// <param name="verifierReward">verify(o) ∈ {0, 1} (any finite value is accepted).</param>
    /// <param name="finish">Why the sampler stopped.</param>
    /// <param name="length">T, the response length in tokens, EOS included.</param>
    /// <param name="shaping">DAPO overlong shaping, or null when off.</param>
    public static double Outcome(double verifierReward, FinishReason finish, int length, OverlongShaping? shaping = null)
    {
        if (!double.IsFinite(verifierReward))
            throw new ArgumentException($"verifier reward is {verifierReward}; it must be finite", nameof(verifierReward));
        if (shaping is not null)
            return verifierReward + OverlongPenalty(length, shaping.MaxLength, shaping.Buffer, shaping.Penalty);
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "a response length must be >= 0");
        return finish switch
        {
            FinishReason.Eos => verifierReward,
            FinishReason.Length => 0.0,
            _ => throw new ArgumentOutOfRangeException(nameof(finish), finish, "unknown finish reason"),
        };
    }
}
