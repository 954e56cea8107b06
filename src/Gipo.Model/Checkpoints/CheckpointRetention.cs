using System.Globalization;
using System.Text.RegularExpressions;

namespace Gipo.Model.Checkpoints;

/// <summary>
/// <c>run.keep-checkpoints</c>: which checkpoint folders (<see cref="LearnerCheckpoint.DirectoryName"/>, with the
/// <c>-2</c>, <c>-3</c> suffixes of a retried save) to delete after a new checkpoint commits.
/// <para>
/// A resume or rollback only ever loads the checkpoint the journal names as current (the last
/// <c>CheckpointCommitted</c>; the ledger rolls back to that step), so that one is kept whatever the count, and only
/// folders older than it are candidates: the newest <c>keep</c> folders up to and including the current one stay, the
/// rest go. A folder newer than the current one (a save whose commit never happened) is left for the save that
/// replaces it. Hidden staging folders (<c>.step-…tmp-…</c>) are not checkpoints and are never touched.
/// </para>
/// </summary>
public static partial class CheckpointRetention
{
    [GeneratedRegex(@"^step-(\d+)(?:-(\d+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex CheckpointName();

    /// <summary>
    /// The folders among <paramref name="folders"/> to delete so that <paramref name="keep"/> remain up to
    /// <paramref name="current"/> (0 = keep all: none). Folders whose names are not checkpoint names are ignored.
    /// </summary>
    public static IReadOnlyList<string> Select(IEnumerable<string> folders, int keep, string current)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        if (keep == 0) return [];
        var currentKey = KeyOf(current) ?? throw new ArgumentException($"'{current}' is not a checkpoint folder name (step-NNNNNN)", nameof(current));
        var currentPath = Normalize(current);
        var older = folders
            .Select(f => (Path: f, Key: KeyOf(f)))
            .Where(f => f.Key is { } k && Compare(k, currentKey) < 0 && Normalize(f.Path) != currentPath)
            .OrderByDescending(f => f.Key!.Value.Step).ThenByDescending(f => f.Key!.Value.Attempt)
            .Select(f => f.Path)
            .ToList();
        return older.Skip(keep - 1).ToList();
    }

    /// <summary>
    /// Deletes the folders <see cref="Select"/> picks among the subfolders of <paramref name="root"/>, each first renamed
    /// to a hidden name (so a crash mid-delete leaves nothing that looks like a checkpoint). Returns the deleted folders.
    /// </summary>
    public static IReadOnlyList<string> Apply(string root, int keep, string current)
    {
        if (keep == 0 || !Directory.Exists(root)) return [];
        var doomed = Select(Directory.GetDirectories(root), keep, current);
        foreach (var folder in doomed)
        {
            var aside = Path.Combine(root, $".{Path.GetFileName(folder)}.deleting-{Guid.NewGuid():N}");
            Directory.Move(folder, aside);
            Directory.Delete(aside, recursive: true);
        }
        return doomed;
    }

    private static (long Step, int Attempt)? KeyOf(string folder)
    {
        var m = CheckpointName().Match(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)));
        if (!m.Success || !long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var step)) return null;
        var attempt = m.Groups[2].Success && int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : 1;
        return (step, attempt);
    }

    private static int Compare((long Step, int Attempt) a, (long Step, int Attempt) b) =>
        a.Step != b.Step ? a.Step.CompareTo(b.Step) : a.Attempt.CompareTo(b.Attempt);

    private static string Normalize(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
