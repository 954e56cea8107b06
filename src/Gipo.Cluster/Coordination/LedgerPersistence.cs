using System.Text.Json;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Gipo.Cluster.Serialization;
using Microsoft.Data.Sqlite;

namespace Gipo.Cluster.Coordination;

/// <summary>
/// Journal and snapshot store of the run ledger: Akka.Persistence.Sql on a SQLite file in the run folder
/// (ENGINEERING-NOTES §1.2), with <see cref="GipoSerializer"/> bound for every event and snapshot.
/// </summary>
public static class LedgerPersistence
{
    /// <summary>The Microsoft.Data.Sqlite connection string of <paramref name="databaseFile"/>.</summary>
    public static string ConnectionString(string databaseFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(databaseFile);
        return new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(databaseFile) }.ToString();
    }

    /// <summary>
    /// Creates the folder and the database file and switches it to WAL. WAL is a property of the file and
    /// Microsoft.Data.Sqlite has no connection-string keyword for it, so it is set once here, before the actor system
    /// opens the file (journal and snapshot writes then do not block each other's readers).
    /// </summary>
    public static void PrepareSqlite(string databaseFile)
    {
        var full = Path.GetFullPath(databaseFile);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var connection = new SqliteConnection(ConnectionString(full));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite file '{full}' refused WAL mode (journal_mode is '{mode}')");
    }

    /// <summary>
    /// The SQLite persistence HOCON for <paramref name="databaseFile"/>. The connection string is injected here because
    /// Akka 1.5's HOCON reads no environment variables; the plugin classes and their defaults come from
    /// <see cref="SqlPersistence.DefaultConfiguration"/>.
    /// </summary>
    public static Config Sqlite(string databaseFile)
    {
        // A JSON string literal is a valid HOCON quoted string, so any path survives (quotes, backslashes, spaces).
        var cs = JsonSerializer.Serialize(ConnectionString(databaseFile));
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql { connection-string = {{cs}}, provider-name = "SQLite.MS", auto-initialize = on }
              }
              query.journal.sql { connection-string = {{cs}}, provider-name = "SQLite.MS" }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql { connection-string = {{cs}}, provider-name = "SQLite.MS", auto-initialize = on }
              }
            }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>Everything a run's actor system needs for the ledger: the serializer binding and SQLite persistence.</summary>
    public static Config ForRun(string databaseFile) => GipoSerializer.Config.WithFallback(Sqlite(databaseFile));
}
