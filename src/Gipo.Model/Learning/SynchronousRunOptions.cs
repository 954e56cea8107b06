using Gipo.Core.Tasks;

namespace Gipo.Model.Learning;

/// <summary>Settings of a synchronous (η = 0) training run.</summary>
public sealed record SynchronousRunOptions
{
    public int Steps { get; init; } = 30;
    public Split TrainSplit { get; init; } = Split.RlTrain;
    public Split EvalSplit { get; init; } = Split.RlTest;
    /// <summary>Evaluate every this many steps (and before the first and after the last); 0 = only before and after.</summary>
    public int EvalEvery { get; init; } = 25;
    public int EvalPrompts { get; init; } = 200;
    public int EvalSamplesPerPrompt { get; init; } = 4;
    public int Seed { get; init; }
}
