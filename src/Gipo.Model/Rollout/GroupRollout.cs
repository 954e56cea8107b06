using Gipo.Core.Algorithm;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model.Sampling;

namespace Gipo.Model.Rollout;

/// <summary>
/// Generates and scores groups: G completions per prompt from one policy version, each verified by the task.
/// This is the work of a sampler plus an outcome scorer, usable without actors (synchronous runs, tests). Each group
/// carries its problem's reference answer, which <c>ib.phi_source = ref_answer_prob</c> scores (§C.9).
/// </summary>
public sealed class GroupRollout(PolicyModel model, ITextTokenizer tokenizer, IReasoningTask task)
{
    private readonly Sampler sampler = new(model, [tokenizer.EosId], tokenizer.PadId);

    /// <summary>
    /// One group per problem, <paramref name="groupSize"/> samples each. Seeds derive from
    /// (<paramref name="seed"/>, group id, index), so a re-issued group reproduces its samples.
    /// </summary>
    public IReadOnlyList<ScoredGroup> Run(IReadOnlyList<(long GroupId, Problem Problem)> groups, int groupSize, SamplingOptions options, long policyVersion, ulong seed)
    {
        if (groupSize < 2) throw new ArgumentException($"group size must be >= 2 (got {groupSize})");
        var requests = new List<GenerationRequest>();
        var prompts = groups.Select(g => tokenizer.Encode(g.Problem.Prompt).ToArray()).ToList();
        foreach (var (g, i) in groups.Select((g, i) => (g, i)))
            for (var j = 0; j < groupSize; j++)
                requests.Add(new GenerationRequest(prompts[i], CounterRandom.Next(seed ^ (ulong)g.GroupId, (ulong)j)));
        var outputs = sampler.Generate(requests, options);

        var result = new List<ScoredGroup>(groups.Count);
        for (var i = 0; i < groups.Count; i++)
        {
            var (groupId, problem) = groups[i];
            var members = new List<Trajectory>(groupSize);
            var scores = new List<OutcomeScore>(groupSize);
            for (var j = 0; j < groupSize; j++)
            {
                var o = outputs[i * groupSize + j];
                var id = groupId * groupSize + j;
                var finish = o.StoppedAtEos ? FinishReason.Eos : FinishReason.Length;
                members.Add(new Trajectory(id, groupId, problem.Id, j, prompts[i], o.TokenIds, o.LogProbs, policyVersion, finish));
                // Truncated responses score 0 (§A.1); the verifier never throws on malformed text.
                var verdict = finish == FinishReason.Length
                    ? new Gipo.Core.Verification.VerificationResult(0, false, "truncated at max new tokens")
                    : task.Verify(problem, tokenizer.Decode(o.TokenIds));
                scores.Add(new OutcomeScore(id, verdict.Correct ? 1.0 : 0.0, verdict.Correct, verdict.Reason));
            }
            result.Add(new ScoredGroup(groupId, problem.Id, members, scores, problem.Answer));
        }
        return result;
    }
}
