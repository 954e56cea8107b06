using System.Text.RegularExpressions;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Runtime;

namespace Gipo.Cli;

/// <summary>
/// What an interrupted <c>gipo train</c> can leave in its run folder, removed at the next start while the run lock is
/// held (so no other process is writing): staging files and folders of atomic writes (<c>.name.tmp-…</c>, e.g.
/// <c>.step-000012.tmp-…</c>, <c>.reward.png.tmp-…</c>), and checkpoint folders the journal never committed (renamed
/// into place, then the process stopped before the commit). Those would otherwise sit beside the re-done checkpoint
/// (<c>step-000012</c> beside <c>step-000012-2</c>) and look like a checkpoint of the run.
/// </summary>
internal static partial class RunLeftovers
{
    /// <summary>Removes the leftovers of <paramref name="folder"/> given the journal's <paramref name="committed"/> checkpoint; returns what it
    /// removed.</summary>
    public static IReadOnlyList<string> Remove(RunFolder folder, CheckpointCommitted? committed)
    {
        var removed = new List<string>();
        foreach (var dir in new[] { folder.Root, folder.Checkpoints, folder.Sft })
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir, ".*.tmp-*"))
            {
                Delete(entry);
                removed.Add(entry);
            }
        }
        if (!Directory.Exists(folder.Checkpoints)) return removed;
        var keep = committed is null ? null : CheckpointPath.Folder(folder.Root, committed.Path);
        var committedStep = committed?.LearnerStep ?? 0;
        foreach (var dir in Directory.EnumerateDirectories(folder.Checkpoints, "step-*"))
        {
            if (StepName().Match(Path.GetFileName(dir)) is not { Success: true } m) continue;
            var step = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            // Older folders may be committed checkpoints of earlier steps: kept. A folder of the committed step that is
            // not the committed one, or of a later step, was never committed.
            if (step < committedStep || string.Equals(Path.GetFullPath(dir), keep, StringComparison.Ordinal)) continue;
            Delete(dir);
            removed.Add(dir);
        }
        return removed;
    }

    private static void Delete(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    [GeneratedRegex(@"^step-(\d+)(-\d+)?$")]
    private static partial Regex StepName();
}
