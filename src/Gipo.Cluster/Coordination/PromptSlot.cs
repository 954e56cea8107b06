namespace Gipo.Cluster.Coordination;

/// <summary>One draw from the prompt order: position <paramref name="Sequence"/>, its prompt and its sampling seed.</summary>
public readonly record struct PromptSlot(long Sequence, long PromptIndex, ulong Seed);
