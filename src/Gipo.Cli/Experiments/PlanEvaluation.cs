namespace Gipo.Cli.Experiments;

/// <summary>
/// The <c>evaluation</c> section of a plan: one seed for every run (the same prompts and the same sampling draws, so
/// runs can be compared prompt by prompt), the per-step evaluation size and the final evaluation of each run.
/// </summary>
/// <param name="Seed">Seeds the held-out prompts and their sampling, in training and in the final evaluation.</param>
/// <param name="Prompts">Held-out prompts per evaluation.</param>
/// <param name="Samples">Samples per prompt (n).</param>
/// <param name="Ks">The k of pass@k (each at most <paramref name="Samples"/>).</param>
/// <param name="Budgets">Token-budget multipliers β of L_ref.</param>
/// <param name="Splits">Splits of the final evaluation (<c>rl-test</c>, <c>ood</c>, <c>sft-test</c>), in plan order.</param>
/// <param name="MaxNewTokens">Response limit of the final evaluation.</param>
/// <param name="TrainingSamples">Samples per prompt of the evaluations during training (<c>run.eval-samples</c>): the
/// pass@1 curve needs fewer than the final pass@k evaluation, and those evaluations are a large share of a short run.</param>
public sealed record PlanEvaluation(int Seed, int Prompts, int Samples, IReadOnlyList<int> Ks, IReadOnlyList<double> Budgets,
                                    IReadOnlyList<string> Splits, int MaxNewTokens,
    int TrainingSamples);
