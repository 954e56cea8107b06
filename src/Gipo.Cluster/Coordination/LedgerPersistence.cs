using Akka.Configuration;
using Gipo.Cluster.Serialization;

namespace Gipo.Cluster.Coordination;

/// <summary>
/// Journal and snapshot store of the run ledger and the entropy scheduler: Akka.Persistence.Sql on a
/// <see cref="JournalDatabase"/> (SQLite in the run folder, or PostgreSQL for a cluster), with
/// <see cref="GipoSerializer"/> bound for every event and snapshot.
/// </summary>
public static class LedgerPersistence
{
    /// <summary>The Microsoft.Data.Sqlite connection string of <paramref name="databaseFile"/>.</summary>
    public static string ConnectionString(string databaseFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(databaseFile);
        return JournalDatabase.Sqlite(databaseFile).ConnectionString;
    }

    /// <summary>Creates the SQLite file and switches it to WAL (see <see cref="JournalDatabase.Prepare"/>).</summary>
    public static void PrepareSqlite(string databaseFile) => JournalDatabase.Sqlite(databaseFile).Prepare();

    /// <summary>The SQLite persistence HOCON for <paramref name="databaseFile"/>.</summary>
    public static Config Sqlite(string databaseFile) => JournalDatabase.Sqlite(databaseFile).Config();

    /// <summary>Everything a run's actor system needs for the ledger on a SQLite file: the serializer binding and persistence.</summary>
    public static Config ForRun(string databaseFile) => ForRun(JournalDatabase.Sqlite(databaseFile));

    /// <summary>Everything a run's actor system needs for the ledger on <paramref name="database"/>.</summary>
    public static Config ForRun(JournalDatabase database) => GipoSerializer.Config.WithFallback(database.Config());
}
