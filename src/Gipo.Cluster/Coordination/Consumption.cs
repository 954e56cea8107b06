namespace Gipo.Cluster.Coordination;

/// <summary>One consumption of a group at a learner step, as the journal records it.</summary>
/// <param name="EventIndex">Position of the <see cref="GroupConsumed"/> in the audited event list.</param>
/// <param name="Sequence">The group's prompt slot.</param>
/// <param name="PolicyVersion">The learner's version when the batch was taken: the version the consumption guard measures against.</param>
/// <param name="MinVersion">The group's oldest behaviour version (<see cref="GroupScored.MinVersion"/>); −1 when the group was never scored.</param>
/// <param name="Undone">A <see cref="DropReason.ResumedRollback"/> drop of the group (or a rollback past its step) undid it later.</param>
public sealed record Consumption(int EventIndex, long GroupId, long Sequence, long LearnerStep, long PolicyVersion, long MinVersion, bool Undone);
