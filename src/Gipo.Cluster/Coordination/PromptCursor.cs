namespace Gipo.Cluster.Coordination;

/// <summary>The data cursor: epoch and index in that epoch's permutation of the next fresh draw.</summary>
public readonly record struct PromptCursor(long Epoch, long Index, long NextSequence);
