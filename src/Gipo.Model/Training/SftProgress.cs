namespace Gipo.Model.Training;

/// <summary>Reported after every step (evaluation fields only on evaluation steps).</summary>
public sealed record SftProgress(int Step, int MaxSteps, double Loss, double LearningRate, double TokensPerSecond, double? EvalPassAt1);
