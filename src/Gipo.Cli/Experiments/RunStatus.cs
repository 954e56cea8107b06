namespace Gipo.Cli.Experiments;

/// <summary>Where a planned run stands, from its folder (what <c>--dry-run</c> lists).</summary>
public enum RunStatus
{
    /// <summary>Nothing of it exists yet.</summary>
    Pending,

    /// <summary>Started and not finished (interrupted, or trained and not yet evaluated): the next invocation continues it.</summary>
    Partial,

    /// <summary>Its last attempt failed; the next invocation tries again from where it stopped.</summary>
    Failed,

    /// <summary>Trained and evaluated on every split: skipped.</summary>
    Finished,
}
