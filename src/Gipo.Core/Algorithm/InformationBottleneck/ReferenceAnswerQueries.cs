using Gipo.Core.Tokenization;

namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// Builds the queries behind the RLPR/VeriFree-style potential Φ_k = mean_j p(y*_j | s_k, prefix, y*_&lt;j): for state
/// s_k, the trajectory is cut after step k (k = 0: after the prompt), the answer prefix is appended, and the reference
/// answer plus suffix is scored. Prefix and answer are tokenised apart from the response, so the scored tokens are
/// the same for every state of a problem whatever the tokenizer merges across the cut.
/// </summary>
public static class ReferenceAnswerQueries
{
    /// <summary>The prefix's tokens and the scored tokens (answer, then suffix) for <paramref name="answer"/>.</summary>
    public static (int[] Prefix, int[] Scored) Encode(ITextTokenizer tokenizer, string prefix, string answer, string suffix)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrEmpty(answer);
        var scored = tokenizer.Encode(answer + suffix).ToArray();
        if (scored.Length == 0) throw new ArgumentException($"reference answer '{answer}' encodes to no token", nameof(answer));
        return (prefix.Length == 0 ? [] : tokenizer.Encode(prefix).ToArray(), scored);
    }

    /// <summary>
    /// One query per state k = 0..K−1 of a trajectory: the context ends at the state's position (the last prompt token
    /// for k = 0, the last token e_k of step k otherwise; <see cref="ConfidenceFeatures.StatePositions"/>), then the prefix.
    /// </summary>
    /// <param name="stepOfToken">Zero-based step index of each response token (−1 on padding), as the features use.</param>
    public static ReferenceAnswerQuery[] ForStates(int[] prompt, int[] response, ReadOnlySpan<int> stepOfToken, int[] prefix, int[] scored)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(response);
        if (stepOfToken.Length != response.Length)
            throw new ArgumentException($"{stepOfToken.Length} step indices for {response.Length} response tokens", nameof(stepOfToken));
        var sequence = prompt.Concat(response).ToArray();
        var positions = ConfidenceFeatures.StatePositions(prompt.Length, stepOfToken);
        return positions.Select(p => new ReferenceAnswerQuery([.. sequence.AsSpan(0, (int)p + 1), .. prefix], scored)).ToArray();
    }
}
