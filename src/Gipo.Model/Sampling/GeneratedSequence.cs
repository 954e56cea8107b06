namespace Gipo.Model.Sampling;

/// <summary>
/// A completion: generated ids (EOS included when one was produced) with, per token, the behaviour log-prob at
/// the sampling temperature and the entropy of the full next-token distribution.
/// </summary>
public sealed record GeneratedSequence(
    IReadOnlyList<int> PromptIds,
    int[] TokenIds,
    float[] LogProbs,
    float[] Entropies,
    bool StoppedAtEos,
    IReadOnlyList<HiddenState> Hidden);
