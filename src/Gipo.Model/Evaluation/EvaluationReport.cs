using Gipo.Core.Evaluation;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model.Sampling;

namespace Gipo.Model.Evaluation;

/// <summary>Settings of a §E.2 evaluation.</summary>
public sealed record EvaluationOptions
{
    public Split Split { get; init; } = Split.RlTest;
    public int Prompts { get; init; } = 200;
    public int SamplesPerPrompt { get; init; } = 16;
    public IReadOnlyList<int> Ks { get; init; } = [1, 2, 4, 8, 16];
    /// <summary>Budget multipliers β of L_ref (95th-percentile solver solution length); empty = skip.</summary>
    public IReadOnlyList<double> Budgets { get; init; } = [0.5, 0.75, 1.0, 1.5];
    public int MaxNewTokens { get; init; } = 160;
    public double Temperature { get; init; } = 1.0;
    public int Seed { get; init; }
}

/// <summary>Every §E.3 metric of one evaluation.</summary>
public sealed record EvaluationReport(
    string Task, string Split, int Prompts, int SamplesPerPrompt,
    double PassAt1, IReadOnlyDictionary<int, double> PassAtK, double GreedyAccuracy,
    double DistinctCorrect, double DistinctCorrectFraction, IReadOnlyDictionary<int, double> DistinctN,
    int ReferenceLength, IReadOnlyDictionary<double, double> BudgetAccuracy);

/// <summary>Runs the §E.2 protocol: n samples at temperature T plus one greedy sample per prompt, and budgets.</summary>
public static class Evaluation
{
    public static EvaluationReport Run(PolicyModel model, ITextTokenizer tokenizer, IReasoningTask task, EvaluationOptions o, Action<string>? log = null)
    {
        if (o.Prompts < 1 || o.SamplesPerPrompt < 1) throw new ArgumentException("evaluation needs at least one prompt and one sample");
        var bad = o.Ks.Where(k => k < 1 || k > o.SamplesPerPrompt).ToList();
        if (bad.Count > 0) throw new ArgumentException($"k = {string.Join(", ", bad)} is not in 1..{o.SamplesPerPrompt} (the samples per prompt)");
        var problems = task.Sample(o.Split, o.Prompts, o.Seed);
        var evaluator = new TaskEvaluator(model, tokenizer, task);

        log?.Invoke($"sampling {o.Prompts} × {o.SamplesPerPrompt} at T={o.Temperature}");
        var sampled = evaluator.Run(problems, o.SamplesPerPrompt, new SamplingOptions(o.Temperature, MaxNewTokens: o.MaxNewTokens), (ulong)o.Seed);
        log?.Invoke("greedy");
        var greedy = evaluator.Run(problems, 1, new SamplingOptions(MaxNewTokens: o.MaxNewTokens, Greedy: true));

        var counts = sampled.Select(p => (p.Correct.Count, p.CorrectCount)).ToList();
        var passAtK = o.Ks.Distinct().Order().ToDictionary(k => k, k => EvaluationMetrics.MeanPassAtK(counts, k));
        var distinct = sampled.Select(p => (double)EvaluationMetrics.DistinctCorrect(
            p.Responses.Select(r => task.Canonical(p.Problem, r)))).Average();
        var distinctN = Enumerable.Range(1, 4).ToDictionary(n => n, n =>
            sampled.Select(p => EvaluationMetrics.DistinctN(p.TokenIds, n)).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average());

        // L_ref: 95th percentile of solver solution lengths (tokens, EOS included) on this split.
        var rng = new Random(o.Seed);
        var referenceLength = EvaluationMetrics.ReferenceLength(problems.Select(p => task.Solve(p, rng)[0]).Select(s => tokenizer.Encode(s).Count + 1));
        var budgets = new Dictionary<double, double>();
        foreach (var beta in o.Budgets)
        {
            var limit = Math.Max(1, (int)Math.Round(beta * referenceLength));
            log?.Invoke($"greedy at budget {beta} × {referenceLength} = {limit} tokens");
            var run = evaluator.Run(problems, 1, new SamplingOptions(MaxNewTokens: limit, Greedy: true));
            budgets[beta] = run.Average(p => p.CorrectCount);
        }
        return new EvaluationReport(task.Name, o.Split.ToString(), o.Prompts, o.SamplesPerPrompt,
            TaskEvaluator.PassAt1(sampled), passAtK, greedy.Average(p => p.CorrectCount),
            distinct, distinct / o.SamplesPerPrompt, distinctN, referenceLength, budgets);
    }
}
