using System.Text.RegularExpressions;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Evaluation;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model.Sampling;

namespace Gipo.Model.Evaluation;

/// <summary>Runs the §E.2 protocol: n samples at temperature T plus one greedy sample per prompt, and budgets.</summary>
public static class Evaluation
{
    public static EvaluationReport Run(PolicyModel model, ITextTokenizer tokenizer, IReasoningTask task, EvaluationOptions o,
                                       Action<string>? log = null)
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

        var ks = o.Ks.Distinct().Order().ToArray();
        var distinctCorrect = sampled.Select(p => EvaluationMetrics.DistinctCorrect(p.Responses.Select(r => task.Canonical(p.Problem, r)))).ToArray();
        var distinctN = Enumerable.Range(1, 4).ToDictionary(n => n, n =>
            sampled.Select(p => EvaluationMetrics.DistinctN(p.TokenIds, n)).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average());

        // L_ref: 95th percentile of solver solution lengths (tokens, EOS included) on this split.
        var rng = new Random(o.Seed);
        var referenceLength =
            EvaluationMetrics.ReferenceLength(problems.Select(p => task.Solve(p, rng)[0]).Select(s => tokenizer.Encode(s).Count + 1));
        var budgetRuns = new Dictionary<double, IReadOnlyList<PromptOutcome>>();
        foreach (var beta in o.Budgets)
        {
            var limit = Math.Max(1, (int)Math.Round(beta * referenceLength));
            log?.Invoke($"greedy at budget {beta} × {referenceLength} = {limit} tokens");
            budgetRuns[beta] = evaluator.Run(problems, 1, new SamplingOptions(MaxNewTokens: limit, Greedy: true));
        }

        var perPrompt = sampled.Select((p, i) => new PromptEvaluation(
            i, p.Problem.Prompt, p.Correct.Count, p.CorrectCount,
            ks.ToDictionary(k => k, k => EvaluationMetrics.PassAtK(p.Correct.Count, p.CorrectCount, k)),
            distinctCorrect[i], greedy[i].CorrectCount > 0,
            budgetRuns.ToDictionary(kv => kv.Key, kv => kv.Value[i].CorrectCount > 0),
            p.TokenIds.Average(t => (double)t.Length))).ToList();
        // The means below are those of the per-prompt rows, so the two outputs cannot disagree.
        var distinct = distinctCorrect.Average(d => (double)d);
        return new EvaluationReport(task.Name, o.Split.ToString(), o.Prompts, o.SamplesPerPrompt,
            TaskEvaluator.PassAt1(sampled), ks.ToDictionary(k => k, k => perPrompt.Average(p => p.PassAtK[k])), greedy.Average(p => p.CorrectCount),
            distinct, distinct / o.SamplesPerPrompt, distinctN, referenceLength,
            budgetRuns.ToDictionary(kv => kv.Key, kv => kv.Value.Average(p => (double)p.CorrectCount)),
            BucketEntropy(sampled, tokenizer, o), perPrompt);
    }

    /// <summary>
    /// H̄_b of the sampled responses (the sampler's full-distribution token entropies), each prompt's samples
    /// forming one group: the training statistic of §B.4 on a fixed prompt set, free of batch composition.
    /// </summary>
    private static double[] BucketEntropy(IReadOnlyList<PromptOutcome> sampled, ITextTokenizer tokenizer, EvaluationOptions o)
    {
        var segmenter = new StepSegmenter(new SegmentationConfig(StepSegmenter.DelimitersFor(tokenizer, o.StepDelimiter), 1,
            new Regex(o.AnswerMarker, RegexOptions.Multiline)));
        var rows = sampled.SelectMany((p, g) => p.TokenIds.Select((ids, i) => (Group: g, Ids: ids, Entropy: p.Entropies[i])))
            .Where(r => r.Ids.Length > 0).ToList();
        var width = rows.Max(r => r.Ids.Length);
        var segmentations = rows.Select(r => segmenter.Segment(r.Ids, ids => tokenizer.Decode(ids, skipSpecial: false))).ToList();
        var buckets = StepBuckets.Assign(segmentations, width, o.Buckets, BucketPosition.Absolute);
        var entropy = new float[rows.Count * width];
        var mask = new float[rows.Count * width];
        for (var n = 0; n < rows.Count; n++)
            for (var t = 0; t < rows[n].Ids.Length; t++)
            {
                entropy[n * width + t] = rows[n].Entropy[t];
                mask[n * width + t] = 1;
            }
        using var e = TorchSharp.torch.tensor(entropy, [rows.Count, width]);
        using var m = TorchSharp.torch.tensor(mask, [rows.Count, width]);
        return GroupSequentialEntropy.Measure(e, m, buckets, rows.Select(r => r.Group).ToArray()).BucketMean;
    }
}
