using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model.Sampling;

namespace Gipo.Model.Evaluation;

/// <summary>Samples completions for task problems and scores them with the task's verifier.</summary>
public sealed class TaskEvaluator(PolicyModel model, ITextTokenizer tokenizer, IReasoningTask task)
{
    private readonly Sampler sampler = new(model, [tokenizer.EosId], tokenizer.PadId);

    /// <summary>
    /// Draws <paramref name="samplesPerPrompt"/> completions per problem (seeds derived from <paramref name="seed"/>,
    /// so an evaluation is reproducible), in batches of at most <paramref name="batchSize"/> sequences.
    /// </summary>
    public IReadOnlyList<PromptOutcome> Run(IReadOnlyList<Problem> problems, int samplesPerPrompt, SamplingOptions options, ulong seed = 0,
                                            int batchSize = 256)
    {
        var requests = problems.SelectMany((p, i) => Enumerable.Range(0, samplesPerPrompt)
            .Select(s => (Prompt: i,
                Request: new GenerationRequest(tokenizer.Encode(p.Prompt), CounterRandom.Next(seed, (ulong)(i * samplesPerPrompt + s)))))).ToList();
        var responses = new string[requests.Count];
        var tokens = new int[requests.Count][];
        var entropies = new float[requests.Count][];
        for (var start = 0; start < requests.Count; start += batchSize)
        {
            var chunk = requests.Skip(start).Take(batchSize).Select(r => r.Request).ToList();
            var outputs = sampler.Generate(chunk, options);
            for (var j = 0; j < outputs.Count; j++)
            {
                tokens[start + j] = outputs[j].TokenIds;
                entropies[start + j] = outputs[j].Entropies;
                responses[start + j] = tokenizer.Decode(outputs[j].TokenIds);
            }
        }
        return problems.Select((p, i) =>
        {
            var mine = responses.Skip(i * samplesPerPrompt).Take(samplesPerPrompt).ToList();
            return new PromptOutcome(p, mine, mine.Select(r => task.Verify(p, r).Correct).ToList(),
                tokens.Skip(i * samplesPerPrompt).Take(samplesPerPrompt).ToList(),
                entropies.Skip(i * samplesPerPrompt).Take(samplesPerPrompt).ToList());
        }).ToList();
    }

    /// <summary>Mean over prompts of the fraction of correct samples (sampled pass@1).</summary>
    public static double PassAt1(IReadOnlyList<PromptOutcome> outcomes) =>
        outcomes.Count == 0 ? 0 : outcomes.Average(o => (double)o.CorrectCount / o.Correct.Count);
}
