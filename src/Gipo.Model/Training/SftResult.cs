namespace Gipo.Model.Training;

/// <summary>What a finished run produced.</summary>
public sealed record SftResult(double EvalPassAt1, int Steps, double Seconds, string Checkpoint, bool ReachedTarget);
