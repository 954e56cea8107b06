using Gipo.Core.Algorithm;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Core.Verification;

namespace Gipo.Model.Rollout;

/// <summary>The outcome verifier of docs/algorithm.md §A.1 over a generated group.</summary>
public static class OutcomeScoring
{
    /// <summary>
    /// Verifies each member of a group against <paramref name="problem"/>: reward 1 for a correct answer, 0 otherwise.
    /// Truncated responses score 0 (§A.1); the task verifiers never throw on malformed text.
    /// </summary>
    public static ScoredGroup Score(IReasoningTask task, ITextTokenizer tokenizer, Problem problem, IReadOnlyList<Trajectory> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0) throw new ArgumentException("a group needs members");
        var scores = new List<OutcomeScore>(members.Count);
        foreach (var t in members)
        {
            var verdict = t.Finish == FinishReason.Length
                ? new VerificationResult(0, false, "truncated at max new tokens")
                : task.Verify(problem, tokenizer.Decode(t.ResponseTokens));
            scores.Add(new OutcomeScore(t.TrajectoryId, verdict.Correct ? 1.0 : 0.0, verdict.Correct, verdict.Reason));
        }
        return new ScoredGroup(members[0].GroupId, problem.Id, members, scores, problem.Answer);
    }
}
