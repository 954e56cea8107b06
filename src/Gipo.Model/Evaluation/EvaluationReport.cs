namespace Gipo.Model.Evaluation;

/// <summary>Every §E.3 metric of one evaluation, and the per-prompt outcomes they average (in prompt order).</summary>
public sealed record EvaluationReport(
    string Task, string Split, int Prompts, int SamplesPerPrompt,
    double PassAt1, IReadOnlyDictionary<int, double> PassAtK, double GreedyAccuracy,
    double DistinctCorrect, double DistinctCorrectFraction, IReadOnlyDictionary<int, double> DistinctN,
    int ReferenceLength, IReadOnlyDictionary<double, double> BudgetAccuracy, IReadOnlyList<double> BucketEntropy,
    IReadOnlyList<PromptEvaluation> PerPrompt);
