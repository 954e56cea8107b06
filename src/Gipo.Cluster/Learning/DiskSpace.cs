using System.Text.RegularExpressions;

namespace Gipo.Cluster.Learning;

/// <summary>
/// Recognises a full disk among failures, and says how much space a write needed and where. A full disk does not
/// free itself: retrying the step only retrains it and fails the same write again (the run looped 22 times in two
/// minutes, its journal growing), so the learner ends the run with this instead.
/// </summary>
public static partial class DiskSpace
{
    // ENOSPC on Linux and macOS (28), ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows, SQLITE_FULL (13), and
    // PostgreSQL's disk_full (SQLSTATE 53100: "could not extend file …: No space left on device").
    private const int Enospc = 28;
    private const int WindowsDiskFull = 112;
    private const int WindowsHandleDiskFull = 39;
    private const int SqliteFull = 13;
    private const string PostgresDiskFull = "53100";

    /// <summary>Whether <paramref name="error"/> or one of its inner exceptions is a full disk.</summary>
    public static bool IsFull(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is DiskFullException) return true;
            if (e is IOException io && ((io.HResult & 0xFFFF) is Enospc or WindowsDiskFull or WindowsHandleDiskFull
                                        || io.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)))
                return true;
            // SqliteException keeps SQLite's result code in SqliteErrorCode; DbException.ErrorCode is only an HRESULT.
            if (e is Microsoft.Data.Sqlite.SqliteException sqlite && sqlite.SqliteErrorCode is SqliteFull) return true;
            if (e is System.Data.Common.DbException pg
                && (pg.SqlState == PostgresDiskFull || pg.Message.Contains("could not extend file", StringComparison.Ordinal)))
                return true;
            if (e is AggregateException agg && agg.InnerExceptions.Any(IsFull)) return true;
        }
        return false;
    }

    /// <summary>Free bytes on the file system that holds <paramref name="path"/> (its nearest existing folder), or null if unknown.</summary>
    public static long? FreeBytes(string path)
    {
        try
        {
            var dir = Path.GetFullPath(path);
            while (!Directory.Exists(dir) && Path.GetDirectoryName(dir) is { } parent) dir = parent;
            return new DriveInfo(dir).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Bytes in the files under <paramref name="folder"/> (0 if it does not exist).</summary>
    public static long SizeOf(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;

    /// <summary>
    /// <paramref name="message"/> with the random parts of staging names (<c>.name.tmp-&lt;guid&gt;</c>) removed, so
    /// that the same failure on two tries reads the same.
    /// </summary>
    public static string WithoutStagingNames(string message) => StagingSuffix().Replace(message, ".tmp-…");

    [GeneratedRegex(@"\.tmp-[0-9a-fA-F]{32}")]
    private static partial Regex StagingSuffix();
}
