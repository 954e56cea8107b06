using Gipo.Core.Tasks;

namespace Gipo.Model.Training;

/// <summary>Settings of a supervised warm-start run.</summary>
public sealed record SftOptions
{
    public string Task { get; init; } = "column-add";
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.01;
    public int WarmupSteps { get; init; } = 30;
    /// <summary>The cosine decays from <see cref="LearningRate"/> to this fraction of it at <see cref="MaxSteps"/>; 1 = constant after
    /// warm-up.</summary>
    public double FinalLearningRateFraction { get; init; } = 0.1;
    public int MaxSteps { get; init; } = 2000;
    public int EvalEvery { get; init; } = 50;
    public int EvalPrompts { get; init; } = 200;
    public int EvalSamplesPerPrompt { get; init; } = 1;
    /// <summary>
    /// Held-out split of the evaluations that decide when to stop: <c>sft-test</c> (the SFT size range) by default;
    /// <c>rl-test</c> stops on the problems RL will be measured on, so the warm start leaves a known headroom there.
    /// </summary>
    public Split EvalSplit { get; init; } = Split.SftTest;
    /// <summary>Stop once held-out sampled pass@1 reaches this (leaves RL headroom).</summary>
    public double TargetPassAt1 { get; init; } = 0.3;
    public int MaxNewTokens { get; init; } = 96;
    public double GradClip { get; init; } = 1.0;
    public int Seed { get; init; }
    /// <summary>Wall-clock limit; the run evaluates and saves when it is reached.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Checks every setting, <see cref="Task"/> as a built-in task's name included.</summary>
    public SftOptions Validate()
    {
        ReasoningTasks.Get(Task);
        return ValidateSettings();
    }

    /// <summary>Checks every setting but <see cref="Task"/>, for a run given its task object (a dataset task has no registry name).</summary>
    public SftOptions ValidateSettings()
    {
        if (BatchSize < 1) throw new ArgumentException($"batch size must be >= 1 (got {BatchSize})");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning rate must be > 0 (got {LearningRate})");
        if (FinalLearningRateFraction is < 0 or > 1) throw new ArgumentException($"final learning-rate fraction must be in [0, 1] " +
                                                                                 $"(got {FinalLearningRateFraction})");
        if (MaxSteps < 1) throw new ArgumentException($"max steps must be >= 1 (got {MaxSteps})");
        if (EvalEvery < 1) throw new ArgumentException($"eval interval must be >= 1 (got {EvalEvery})");
        if (EvalPrompts < 1 || EvalSamplesPerPrompt < 1) throw new ArgumentException("evaluation needs at least one prompt and one sample");
        if (EvalSplit is not (Split.SftTest or Split.RlTest or Split.Ood)) throw new ArgumentException($"SFT eval split must be sft-test, " +
            $"rl-test or ood (got {EvalSplit})");
        if (TargetPassAt1 is < 0 or > 1) throw new ArgumentException($"target pass@1 must be in [0, 1] (got {TargetPassAt1})");
        return this;
    }
}
