using Gipo.Cluster.Coordination;
using Gipo.Cluster.Runtime;
using Gipo.Model.Checkpoints;

namespace Gipo.Cli;

/// <summary>
/// What a run folder holds, read without starting the run: its journal (one clear error when the file is damaged),
/// its checkpoint folders, and whether a run was ever started in it.
/// </summary>
internal static class RunFolderContents
{
    /// <summary>
    /// The run's journal; empty when the run has not journaled anything yet (no file, or the file without the journal
    /// tables). A damaged file is an <see cref="InvalidDataException"/> naming it, not a page of SQLite errors.
    /// </summary>
    public static RunJournal Journal(RunFolder folder)
    {
        var empty = new RunJournal(folder.Id, [], 0, null, 0);
        if (!File.Exists(folder.Database) || new FileInfo(folder.Database).Length == 0) return empty;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return RunJournalReader.ReadAsync(folder.Database, folder.Id).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e.GetBaseException() is Akka.Actor.AskTimeoutException && attempt < ReadAttempts)
            {
                // Akka.Persistence.Sql's read journal gives its start-up 5 s, which a heavily loaded machine can miss:
                // the read changes nothing, so it is simply tried again in a fresh actor system.
                Console.Error.WriteLine($"reading the journal of {folder.Id} timed out ({e.GetBaseException().Message}); trying again");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Failed(folder, e, empty);
            }
        }
    }

    private const int ReadAttempts = 4;

    // What a failed read means: a file without the journal tables yet is an empty journal (a valid state: step 0);
    // anything else is one InvalidDataException naming the file, never a page of SQLite errors.
    private static RunJournal Failed(RunFolder folder, Exception e, RunJournal empty)
    {
        if (e.GetBaseException() is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 1 } missing
            && missing.Message.Contains("no such table", StringComparison.Ordinal))
            return empty;
        if (e.GetBaseException() is Microsoft.Data.Sqlite.SqliteException sql)
            throw new InvalidDataException($"the run's journal {folder.Database} cannot be read: {sql.Message.TrimEnd('.')} " +
                                           $"(SQLite error {sql.SqliteErrorCode}). " +
                                           $"It is damaged or not a journal; checkpoints: {Describe(Checkpoints(folder))}", e);
        // Anything else a damaged file can raise while its events are decoded (a truncated payload, a bad length).
        throw new InvalidDataException($"the run's journal {folder.Database} cannot be read: an event cannot be decoded " +
                                       $"({e.GetBaseException().GetType().Name}: {e.GetBaseException().Message})", e);
    }

    /// <summary>The ledger <paramref name="journal"/> describes; events that do not fit together are an <see cref="InvalidDataException"/>.</summary>
    public static RunLedger Replay(RunFolder folder, RunJournal journal, LedgerSettings settings)
    {
        try
        {
            return journal.Replay(settings);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"the run's journal {folder.Database} does not replay: {e.Message}", e);
        }
    }

    /// <summary>The run's checkpoint folders that have a manifest (committed or not), oldest first.</summary>
    public static IReadOnlyList<string> Checkpoints(RunFolder folder) =>
        Directory.Exists(folder.Checkpoints)
            ? [.. Directory.EnumerateDirectories(folder.Checkpoints, "step-*")
                .Where(d => File.Exists(Path.Combine(d, LearnerCheckpoint.ManifestFile))).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>Checkpoints as "N (newest …)" for messages.</summary>
    public static string Describe(IReadOnlyList<string> checkpoints) =>
        checkpoints.Count == 0 ? "none" : $"{checkpoints.Count} (newest {checkpoints[^1]})";

    /// <summary>
    /// Whether nothing of a run happened in <paramref name="folder"/> beyond writing its settings: no journal, no
    /// checkpoint, no metrics, no SFT warm start. Such a run (a start that failed) may be started again with new settings.
    /// </summary>
    public static bool NeverStarted(RunFolder folder) =>
        !File.Exists(folder.Database) && !File.Exists(folder.Metrics) && Checkpoints(folder).Count == 0
        && !File.Exists(Path.Combine(folder.Sft, "checkpoint", HfCheckpoint.ConfigFile));
}
