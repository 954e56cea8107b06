namespace Gipo.Model.Probe;

/// <summary>One trajectory as <see cref="RefAnswerScorer"/> reads it.</summary>
/// <param name="StepOfToken">Zero-based step index of each response token (−1 where no step claims it).</param>
/// <param name="Answer">The reference answer y* of the trajectory's problem.</param>
public sealed record RefAnswerTrajectory(int[] PromptTokens, int[] ResponseTokens, int[] StepOfToken, string Answer);
