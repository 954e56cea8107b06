namespace Gipo.Cluster.Learning;

/// <summary>
/// The checkpoint an operator asked a resumed run to start from (<c>gipo train --resume RUN --from-checkpoint STEP|PATH</c>).
/// It is applied once: the first learner incarnation that rolls back to it marks it <see cref="Applied"/>, so a learner
/// restarted later (by its supervisor, after a failure) resumes from the run's current checkpoint as usual instead of
/// going back again. One instance serves every incarnation of a node's learner. Thread-safe.
/// </summary>
public sealed class CheckpointChoice
{
    private volatile bool applied;

    /// <summary>A choice of <paramref name="value"/>: a learner step, or a checkpoint folder or its <c>manifest.json</c>.</summary>
    public CheckpointChoice(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException("--from-checkpoint needs a step or a checkpoint path", nameof(value));
        Value = value.Trim();
    }

    /// <summary>What was given: a learner step, or a checkpoint folder or its <c>manifest.json</c>.</summary>
    public string Value { get; }

    /// <summary>Whether a learner already rolled back to it.</summary>
    public bool Applied => applied;

    /// <summary>Records that a learner rolled back to it.</summary>
    public void MarkApplied() => applied = true;
}
