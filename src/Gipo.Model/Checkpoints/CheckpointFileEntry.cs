namespace Gipo.Model.Checkpoints;

/// <summary>One file of a learner checkpoint as its manifest lists it: name in the folder, SHA-256 (lowercase hex), bytes.</summary>
public sealed record CheckpointFileEntry(string Name, string Sha256, long Size);
