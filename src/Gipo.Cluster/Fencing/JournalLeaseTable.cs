using System.Data.Common;
using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Fencing;

/// <summary>
/// The SQL of the journal lease, in the run's journal database (SQLite or PostgreSQL): table <c>gipo_leases</c> holds
/// one row per lease name (holder, expiry, epoch), <c>gipo_lease_epochs</c> one row per epoch ever granted (its primary
/// key makes "one holder per epoch" a database constraint, and it is the history the chaos tests audit). Every change
/// is a compare-and-set on the row's holder and epoch, decided by <see cref="LeaseRules"/> from the row and the
/// database's clock, so nodes with different clocks agree on expiry.
/// </summary>
public sealed class JournalLeaseTable(JournalDatabase database)
{
    private volatile bool created;

    /// <summary>The database this table lives in.</summary>
    public JournalDatabase Database { get; } = database;

    /// <summary>The row of <paramref name="name"/> and the database's clock (Unix milliseconds).</summary>
    public (LeaseRecord? Row, long NowMs) Read(string name)
    {
        using var connection = OpenReady();
        return (ReadRow(connection, null, name), Now(connection, null));
    }

    /// <summary>
    /// Every lease whose name starts with <paramref name="prefix"/> (a run's leases) that is live, or ended less than
    /// <paramref name="endedWithinMs"/> ago, with the database's clock.
    /// </summary>
    public (IReadOnlyList<(string Name, LeaseRecord Row)> Live, long NowMs) LiveLeases(string prefix, long endedWithinMs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(endedWithinMs);
        using var connection = OpenReady();
        var now = Now(connection, null);
        using var command = Command(connection, null, "SELECT name, holder, expires_ms, " +
                                                      "epoch FROM gipo_leases WHERE expires_ms > @since ORDER BY name",
                                    ("since", now - endedWithinMs));
        using var reader = command.ExecuteReader();
        var live = new List<(string, LeaseRecord)>();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            if (name.StartsWith(prefix, StringComparison.Ordinal)) live.Add((name,
                new LeaseRecord(reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3))));
        }
        return (live, now);
    }

    /// <summary>Every epoch granted for <paramref name="name"/>, oldest first: (epoch, holder, acquired at Unix ms).</summary>
    public IReadOnlyList<(long Epoch, string Holder, long AcquiredMs)> Epochs(string name)
    {
        using var connection = OpenReady();
        using var command = Command(connection, null, "SELECT epoch, holder, acquired_ms FROM gipo_lease_epochs WHERE name = @name ORDER BY " +
                                                      "acquired_ms, epoch", ("name", name));
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string, long)>();
        while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2)));
        return rows;
    }

    /// <summary>
    /// Applies <paramref name="decide"/> (current row, database now → new row or null) to the row of
    /// <paramref name="name"/> as one compare-and-set: the new row lands only if the row is still what was decided
    /// from. Returns the row written, or null when the decision was null or another writer changed the row first.
    /// </summary>
    public LeaseRecord? Change(string name, Func<LeaseRecord?, long, LeaseRecord?> decide)
    {
        using var connection = OpenReady();
        using var transaction = connection.BeginTransaction();
        var current = ReadRow(connection, transaction, name);
        var now = Now(connection, transaction);
        var next = decide(current, now);
        if (next is null) return null;
        int changed;
        if (current is null)
        {
            using var insert = Command(connection, transaction,
                "INSERT INTO gipo_leases (name, holder, expires_ms, epoch) VALUES (@name, @holder, @expires, @epoch) ON CONFLICT (name) DO NOTHING",
                ("name", name), ("holder", next.Holder), ("expires", next.ExpiresMs), ("epoch", next.Epoch));
            changed = insert.ExecuteNonQuery();
        }
        else
        {
            using var update = Command(connection, transaction,
                "UPDATE gipo_leases SET holder = @holder, expires_ms = @expires, epoch = @epoch WHERE name = @name AND holder = @was " +
                "AND epoch = @wasEpoch",
                ("name", name), ("holder", next.Holder), ("expires", next.ExpiresMs), ("epoch", next.Epoch), ("was", current.Holder),
                ("wasEpoch", current.Epoch));
            changed = update.ExecuteNonQuery();
        }
        if (changed != 1) return null;
        if (current is null || current.Epoch != next.Epoch)
        {
            using var log = Command(connection, transaction, "INSERT INTO gipo_lease_epochs (name, epoch, holder, acquired_ms) VALUES (@name, " +
                                                             "@epoch, @holder, @now)",
                ("name", name), ("epoch", next.Epoch), ("holder", next.Holder), ("now", now));
            log.ExecuteNonQuery();
        }
        transaction.Commit();
        return next;
    }

    /// <summary>Creates the tables if they are missing (idempotent; also done by every other call on first use).</summary>
    public void EnsureCreated()
    {
        using var connection = OpenReady();
    }

    private DbConnection OpenReady()
    {
        var connection = Database.Open();
        if (created) return connection;
        try
        {
            using var command = Command(connection, null, """
                CREATE TABLE IF NOT EXISTS gipo_leases (
                    name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_ms BIGINT NOT NULL, epoch BIGINT NOT NULL);
                CREATE TABLE IF NOT EXISTS gipo_lease_epochs (
                    name TEXT NOT NULL, epoch BIGINT NOT NULL, holder TEXT NOT NULL, acquired_ms BIGINT NOT NULL, PRIMARY KEY (name, epoch));
                """);
            command.ExecuteNonQuery();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        created = true;
        return connection;
    }

    private static LeaseRecord? ReadRow(DbConnection connection, DbTransaction? transaction, string name)
    {
        using var command = Command(connection, transaction, "SELECT holder, expires_ms, epoch FROM gipo_leases WHERE name = @name", ("name", name));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new LeaseRecord(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)) : null;
    }

    private long Now(DbConnection connection, DbTransaction? transaction)
    {
        // The database's clock, not this node's: every node decides expiry against the same time.
        using var command = Command(connection, transaction, Database.IsPostgres
            ? "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
            : "SELECT CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)");
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (n, v) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = n;
            p.Value = v;
            command.Parameters.Add(p);
        }
        return command;
    }
}
