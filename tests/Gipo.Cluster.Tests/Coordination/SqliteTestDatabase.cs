using Akka.Configuration;
using Gipo.Cluster.Coordination;
using Microsoft.Data.Sqlite;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>A temporary SQLite ledger database per test, and the actor-system config the coordinator specs run under.</summary>
internal static class SqliteTestDatabase
{
    /// <summary>
    /// Every message really goes through its serializer (a type without a binding fails the test), Props are not
    /// serialized (they hold settings records and a clock), and timeouts are stretched for a 2-core CI machine.
    /// </summary>
    public static Config SpecConfig(string databaseFile) => ConfigurationFactory.ParseString("""
        akka.loglevel = INFO
        akka.actor.serialize-messages = on
        akka.actor.serialize-creators = off
        akka.test.timefactor = 3
        """).WithFallback(GipoDispatchers.Config).WithFallback(LedgerPersistence.ForRun(databaseFile));

    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "gipo-tests", $"ledger-{Guid.NewGuid():N}.db");
        LedgerPersistence.PrepareSqlite(path);
        return path;
    }

    /// <summary>Rows of <paramref name="sql"/>'s single scalar, read while the actor system may still hold the file.</summary>
    public static long Scalar(string databaseFile, string sql)
    {
        using var connection = new SqliteConnection(LedgerPersistence.ConnectionString(databaseFile));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    public static void Delete(string databaseFile)
    {
        // Pooled connections keep the file open; release them before deleting.
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            try { File.Delete(databaseFile + suffix); }
            catch (IOException) { } // best effort: a temp file left behind must not fail the test
        }
    }
}
