namespace Gipo.Model.Evaluation;

/// <summary>
/// One prompt's share of an evaluation, so that two checkpoints evaluated with the same seed can be compared prompt by
/// prompt (paired differences) rather than only through their means.
/// </summary>
/// <param name="Index">Position of the prompt in the evaluation's seeded sample (the same for every checkpoint).</param>
/// <param name="Prompt">The prompt text.</param>
/// <param name="Samples">Sampled responses (n).</param>
/// <param name="Correct">How many of them the verifier accepted (c).</param>
/// <param name="PassAtK">Unbiased pass@k of this prompt for each evaluated k.</param>
/// <param name="DistinctCorrect">Distinct canonical forms among the correct samples.</param>
/// <param name="GreedyCorrect">Whether the greedy response (at the full token limit) is correct.</param>
/// <param name="BudgetCorrect">Whether the greedy response at each budget multiplier β of L_ref is correct.</param>
/// <param name="ResponseTokensMean">Mean length in tokens of the sampled responses.</param>
public sealed record PromptEvaluation(
    int Index, string Prompt, int Samples, int Correct, IReadOnlyDictionary<int, double> PassAtK, int DistinctCorrect,
    bool GreedyCorrect, IReadOnlyDictionary<double, bool> BudgetCorrect, double ResponseTokensMean);
