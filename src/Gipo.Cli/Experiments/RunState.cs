namespace Gipo.Cli.Experiments;

/// <summary>
/// The resumption rules of <c>gipo experiment</c>, as pure functions of what a run folder holds, so that an
/// interrupted experiment is continued by running the same command again.
/// </summary>
public static class RunState
{
    /// <summary>
    /// The status of a run whose folder holds <paramref name="record"/> (null: none), a started training run if
    /// <paramref name="hasRunConfig"/>, and the final evaluation of every plan split if <paramref name="evaluated"/>.
    /// </summary>
    public static RunStatus Status(ExperimentRunRecord? record, bool hasRunConfig, bool evaluated) => record?.Status switch
    {
        ExperimentRunRecord.Finished when evaluated => RunStatus.Finished,
        ExperimentRunRecord.Failed => RunStatus.Failed,
        _ when record is not null || hasRunConfig => RunStatus.Partial,
        _ => RunStatus.Pending,
    };

    /// <summary>
    /// What to do next: nothing for a finished run; only the missing evaluations once training has a result (a run is
    /// marked finished only after its evaluations, so a crash between the two costs no retraining, and a split added to
    /// the plan later is evaluated without retraining); <c>--resume</c> when training started (its run.conf exists,
    /// whatever the record says, failed included); else a fresh start.
    /// </summary>
    public static RunNextStep Next(ExperimentRunRecord? record, bool hasRunConfig, bool evaluated) =>
        record?.Status == ExperimentRunRecord.Finished && evaluated ? RunNextStep.Skip
        : record?.TrainResult is not null ? RunNextStep.Evaluate
        : hasRunConfig ? RunNextStep.Resume
        : RunNextStep.Start;
}
