namespace Gipo.Cluster.Coordination;

/// <summary>
/// How the journal names a checkpoint: by its manifest's path relative to the run folder
/// (<c>checkpoints/step-000010/manifest.json</c>), so that a moved run folder resumes and a copied one loads its own
/// checkpoints. Journals written before this still hold absolute paths; those are read too, preferring the run
/// folder's own copy of the same checkpoint (the manifest hash in the journal proves it is the same one).
/// </summary>
public static class CheckpointPath
{
    /// <summary>What the journal records for the manifest at <paramref name="manifest"/> of the run in <paramref name="runRoot"/>.</summary>
    public static string ForJournal(string runRoot, string manifest)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(runRoot), Path.GetFullPath(manifest));
        // A checkpoint outside the run folder (tests with their own layout) keeps its absolute path.
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Path.GetFullPath(manifest)
            : relative.Replace('\\', '/');
    }

    /// <summary>The manifest file a journal entry <paramref name="recorded"/> means for the run in <paramref name="runRoot"/>.</summary>
    public static string Resolve(string runRoot, string recorded)
    {
        if (!Path.IsPathRooted(recorded)) return Path.GetFullPath(Path.Combine(runRoot, recorded));
        // An absolute path of an old journal: …/<run>/checkpoints/step-…/manifest.json. The run folder's own copy wins.
        var step = Path.GetFileName(Path.GetDirectoryName(recorded));
        var parent = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(recorded)));
        if (step is { Length: > 0 } && parent == "checkpoints")
        {
            var own = Path.Combine(runRoot, "checkpoints", step, Path.GetFileName(recorded));
            if (File.Exists(own)) return Path.GetFullPath(own);
        }
        return recorded;
    }

    /// <summary>
    /// The absolute checkpoint folder of <paramref name="reported"/>: a journal entry (a manifest, relative or absolute)
    /// or a folder, so that the final <c>checkpoint:</c> line is always the same kind of path.
    /// </summary>
    public static string Display(string runRoot, string reported)
    {
        if (string.IsNullOrEmpty(reported)) return reported;
        var full = Resolve(runRoot, reported);
        return Path.GetFileName(full) == "manifest.json" ? Path.GetDirectoryName(full)! : full;
    }

    /// <summary>The checkpoint folder of journal entry <paramref name="recorded"/>.</summary>
    public static string Folder(string runRoot, string recorded) => Path.GetDirectoryName(Resolve(runRoot, recorded))!;
}
