namespace Gipo.Cluster.Coordination;

/// <summary>A prompt slot that was drawn and is nowhere: not queued, in no active group, and no finished group's fate.</summary>
/// <param name="LastGroupId">The last group that held the slot; null when none ever did (the cursor skipped it).</param>
/// <param name="Why">What became of it.</param>
public sealed record LostSlot(long Sequence, long? LastGroupId, string Why);
