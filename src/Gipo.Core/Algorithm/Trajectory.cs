namespace Gipo.Core.Algorithm;

/// <summary>One sampled response with what the learner needs to correct for its behaviour policy.</summary>
/// <param name="BehaviourLogProbs">ℓμ per response token, at the sampling temperature.</param>
/// <param name="BehaviourVersion">Policy version that generated every token (weights never change mid-generation here).</param>
public sealed record Trajectory(
    long TrajectoryId, long GroupId, string PromptId, int IndexInGroup,
    int[] PromptTokens, int[] ResponseTokens, float[] BehaviourLogProbs, long BehaviourVersion, FinishReason Finish)
{
    /// <summary>Throws when the arrays disagree, so a corrupt message never reaches the learner.</summary>
    public Trajectory Validate()
    {
        if (PromptTokens.Length == 0) throw new ArgumentException($"trajectory {TrajectoryId}: empty prompt");
        if (ResponseTokens.Length != BehaviourLogProbs.Length)
            throw new ArgumentException($"trajectory {TrajectoryId}: {ResponseTokens.Length} response tokens but {BehaviourLogProbs.Length} " +
                                        $"behaviour log-probs");
        if (BehaviourLogProbs.Any(lp => !float.IsFinite(lp) || lp > 1e-4f))
            throw new ArgumentException($"trajectory {TrajectoryId}: behaviour log-probs must be finite and <= 0");
        return this;
    }
}
