using System.Globalization;
using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Learning;

/// <summary>
/// Which committed checkpoint a learner resumes from (issue 11, item 10). The journal lists the checkpoints the run can
/// still roll back to (<see cref="RunLedger.Checkpoints"/>); a resume takes the newest one whose files check out
/// (manifest hash, every file's size and hash), so a missing or damaged newest checkpoint costs the steps since the one
/// before it instead of the run. An operator may also name one (<see cref="Resolve"/>). Pure: the file checks come in as
/// a function.
/// </summary>
public static class CheckpointFallback
{
    /// <summary>A checkpoint passed over, and why.</summary>
    public sealed record Rejected(CheckpointCommitted Checkpoint, string Reason);

    /// <summary>
    /// The newest of <paramref name="candidates"/> (oldest first, as the ledger lists them) for which
    /// <paramref name="problemOf"/> finds nothing wrong (null), and the newer ones passed over with their problems;
    /// null when none is valid.
    /// </summary>
    public static (CheckpointCommitted? Chosen, IReadOnlyList<Rejected> PassedOver) Select(
        IReadOnlyList<CheckpointCommitted> candidates, Func<CheckpointCommitted, string?> problemOf)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(problemOf);
        var passedOver = new List<Rejected>();
        for (var i = candidates.Count - 1; i >= 0; i--)
        {
            if (problemOf(candidates[i]) is not { } problem) return (candidates[i], passedOver);
            passedOver.Add(new Rejected(candidates[i], problem));
        }
        return (null, passedOver);
    }

    /// <summary>
    /// The checkpoint of <paramref name="candidates"/> that <paramref name="value"/> names: a learner step
    /// (<c>20</c>), or the checkpoint's folder or <c>manifest.json</c> (absolute, or relative to the working directory
    /// or to the run folder <paramref name="runRoot"/>). Throws <see cref="ArgumentException"/> saying which checkpoints
    /// the run can roll back to when it names none of them (another run's checkpoint, one the journal no longer lists).
    /// </summary>
    public static CheckpointCommitted Resolve(string value, IReadOnlyList<CheckpointCommitted> candidates, string runRoot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        ArgumentNullException.ThrowIfNull(candidates);
        var listed = candidates.Count == 0
            ? "the journal lists no committed checkpoint"
            : $"the run can roll back to the checkpoints of step " +
              $"{string.Join(", ", candidates.Select(c => $"{c.LearnerStep} ({CheckpointPath.Folder(runRoot, c.Path)})"))}";
        if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var step))
        {
            return candidates.LastOrDefault(c => c.LearnerStep == step)
                   ?? throw new ArgumentException($"--from-checkpoint {value}: no checkpoint of step {step} is part of this run's journal; {listed}");
        }
        foreach (var path in new[] { Path.GetFullPath(value), Path.GetFullPath(Path.Combine(runRoot, value)) })
        {
            var manifest = Path.GetFileName(path) == "manifest.json" ? path : Path.Combine(path, "manifest.json");
            var match = candidates.LastOrDefault(c => string.Equals(CheckpointPath.Resolve(runRoot, c.Path), manifest, StringComparison.Ordinal));
            if (match is not null) return match;
        }
        throw new ArgumentException($"--from-checkpoint {value}: not a checkpoint of this run " +
                                    $"({(Directory.Exists(value) || File.Exists(value) ? "the journal does not list it"
                                        : "no such step or path")}); {listed}");
    }
}
