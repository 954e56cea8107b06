using Gipo.Core.Tasks;

namespace Gipo.Model.Evaluation;

/// <summary>One prompt's samples (text and token ids) and which of them the verifier accepted.</summary>
public sealed record PromptOutcome(Problem Problem, IReadOnlyList<string> Responses, IReadOnlyList<bool> Correct, IReadOnlyList<int[]> TokenIds,
                                   IReadOnlyList<float[]> Entropies)
{
    public int CorrectCount => Correct.Count(c => c);
}
