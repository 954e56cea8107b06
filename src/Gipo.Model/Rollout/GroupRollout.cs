using Gipo.Core.Algorithm;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model.Sampling;

namespace Gipo.Model.Rollout;

/// <summary>
/// Generates and scores groups: G completions per prompt from one policy version, each verified by the task.
/// <see cref="Generate"/> is a sampler's work and <see cref="OutcomeScoring.Score"/> an outcome scorer's; <see cref="Run"/>
/// does both for synchronous runs and tests. Each group carries its problem's reference answer, which
/// <c>ib.phi_source = ref_answer_prob</c> scores (§C.9).
/// </summary>
public sealed class GroupRollout(PolicyModel model, ITextTokenizer tokenizer, IReasoningTask task)
{
    private readonly Sampler sampler = new(model, [tokenizer.EosId], tokenizer.PadId);

    /// <summary>
    /// One scored group per problem, <paramref name="groupSize"/> samples each. Seeds derive from
    /// (<paramref name="seed"/>, group id), so a re-run of the same group reproduces its samples.
    /// </summary>
    public IReadOnlyList<ScoredGroup> Run(IReadOnlyList<(long GroupId, Problem Problem)> groups, int groupSize, SamplingOptions options,
                                          long policyVersion, ulong seed)
    {
        var requests = groups.Select(g => new GroupRequest(g.GroupId, g.Problem, seed ^ (ulong)g.GroupId)).ToList();
        var generated = Generate(requests, groupSize, options, policyVersion);
        return [.. generated.Select((members, i) => OutcomeScoring.Score(task, tokenizer, requests[i].Problem, members))];
    }

    /// <summary>
    /// Generates <paramref name="groupSize"/> trajectories per request in one batch, all at
    /// <paramref name="policyVersion"/> (the version of the weights this sampler holds).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Trajectory>> Generate(IReadOnlyList<GroupRequest> groups, int groupSize, SamplingOptions options,
                                                             long policyVersion)
    {
        if (groupSize < 2) throw new ArgumentException($"group size must be >= 2 (got {groupSize})");
        var requests = new List<GenerationRequest>();
        var prompts = groups.Select(g => tokenizer.Encode(g.Problem.Prompt).ToArray()).ToList();
        foreach (var (g, i) in groups.Select((g, i) => (g, i)))
            for (var j = 0; j < groupSize; j++)
                requests.Add(new GenerationRequest(prompts[i], CounterRandom.Next(g.Seed, (ulong)j)));
        var outputs = sampler.Generate(requests, options);

        var result = new List<IReadOnlyList<Trajectory>>(groups.Count);
        for (var i = 0; i < groups.Count; i++)
        {
            var (groupId, problem, _) = groups[i];
            var members = new List<Trajectory>(groupSize);
            for (var j = 0; j < groupSize; j++)
            {
                var o = outputs[i * groupSize + j];
                var finish = o.StoppedAtEos ? FinishReason.Eos : FinishReason.Length;
                members.Add(new Trajectory(groupId * groupSize + j, groupId, problem.Id, j, prompts[i], o.TokenIds, o.LogProbs,
                                           policyVersion, finish));
            }
            result.Add(members);
        }
        return result;
    }
}
