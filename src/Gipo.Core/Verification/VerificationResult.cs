namespace Gipo.Core.Verification;

/// <summary>
/// Outcome of checking one model response. Verifiers return this for any input, however malformed,
/// and never throw on model output.
/// </summary>
/// <param name="Score">Reward in [0, 1]; 0 for anything not judged correct.</param>
/// <param name="Correct">Whether the final answer was judged correct.</param>
/// <param name="Reason">Short human-readable explanation, e.g. <c>no final A: line</c>.</param>
public sealed record VerificationResult(double Score, bool Correct, string Reason)
{
    /// <summary>A correct response scoring <paramref name="score"/>.</summary>
    public static VerificationResult Pass(string reason = "correct", double score = 1.0) => new(score, true, reason);

    /// <summary>An incorrect response scoring <paramref name="score"/> (0 unless a format score is configured).</summary>
    public static VerificationResult Fail(string reason, double score = 0.0) => new(score, false, reason);
}
