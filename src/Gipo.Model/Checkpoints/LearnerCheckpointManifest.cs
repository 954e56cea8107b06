namespace Gipo.Model.Checkpoints;

/// <summary>The <c>manifest.json</c> of a learner checkpoint, written last: every other file with its hash and size.</summary>
/// <param name="ExtraFiles">The caller's JSON files (a data cursor, say), also listed in <paramref name="Files"/>.</param>
public sealed record LearnerCheckpointManifest(string Format, long Step, long PolicyVersion, long Seed,
    IReadOnlyList<CheckpointFileEntry> Files, IReadOnlyList<string> ExtraFiles);
