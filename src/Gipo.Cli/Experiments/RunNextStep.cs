namespace Gipo.Cli.Experiments;

/// <summary>What an invocation does with a planned run, given what its folder holds.</summary>
public enum RunNextStep
{
    /// <summary>Finished: nothing.</summary>
    Skip,

    /// <summary>Training finished: only the final evaluations still missing.</summary>
    Evaluate,

    /// <summary>A run folder exists (its run.conf): <c>gipo train --resume</c>, then the evaluations.</summary>
    Resume,

    /// <summary>No run yet: <c>gipo train</c>, then the evaluations.</summary>
    Start,
}
