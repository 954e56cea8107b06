using Akka.Configuration;
using Akka.Persistence.Sql;
using Gipo.Cluster.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Gipo.Cluster.Coordination;

/// <summary>
/// Where a run's persistent actors (run ledger, entropy scheduler) journal: a SQLite file in the run folder (the
/// single-process default) or a PostgreSQL database shared by every node of a cluster (docs/architecture.md,
/// "Persistence"). Both go through Akka.Persistence.Sql; only the provider name and the connection string differ.
/// Connection strings are injected here because Akka 1.5's HOCON reads no environment variables.
/// </summary>
public abstract record JournalDatabase
{
    private JournalDatabase() { }

    /// <summary>The linq2db provider name for the plugin (<c>SQLite.MS</c>, <c>PostgreSQL.15</c>).</summary>
    public abstract string ProviderName { get; }

    /// <summary>The ADO.NET connection string the plugin opens.</summary>
    public abstract string ConnectionString { get; }

    /// <summary>A short description for logs and errors (no password).</summary>
    public abstract string Describe();

    /// <summary>The database file when it is local (SQLite), else null (a server's database).</summary>
    public virtual string? LocalFile => null;

    /// <summary>
    /// Checks that the database can be used before an actor system opens it, so a bad path or an unreachable server is
    /// one clear error at start-up rather than a plugin retrying with stack traces every second.
    /// </summary>
    public abstract void Prepare();

    /// <summary>Opens a connection of its own to the database (the journal lease's table, <see cref="Fencing.JournalLeaseTable"/>).</summary>
    public abstract System.Data.Common.DbConnection Open();

    /// <summary>Whether the database is PostgreSQL (else SQLite): the few statements whose dialects differ ask.</summary>
    public bool IsPostgres => this is PostgresJournal;

    /// <summary>The database a journal plugin's <paramref name="providerName"/> and <paramref name="connectionString"/> name (as
    /// <see cref="Config"/> writes them).</summary>
    public static JournalDatabase FromPlugin(string providerName, string connectionString) => providerName switch
    {
        "SQLite.MS" => Sqlite(new SqliteConnectionStringBuilder(connectionString).DataSource),
        "PostgreSQL.15" => Postgres(connectionString),
        _ => throw new ArgumentException($"journal provider '{providerName}' is neither SQLite.MS nor PostgreSQL.15"),
    };

    /// <summary>The persistence HOCON of a run's actor system (journal and snapshots, tables created on first use).</summary>
    public Config Config() => PluginConfig(readOnly: false, ConnectionString);

    /// <summary>The persistence HOCON of a read-only tool (<c>gipo status</c>, <c>hocon/akka-read-only.conf</c>): no table creation; SQLite opened
    /// read-only.</summary>
    public abstract Config ReadOnlyConfig();

    /// <summary>A SQLite file (created and switched to WAL by <see cref="Prepare"/>).</summary>
    public static JournalDatabase Sqlite(string file) => new SqliteJournal(Path.GetFullPath(file));

    /// <summary>A PostgreSQL database (Npgsql connection string: <c>Host=…;Port=5432;Database=…;Username=…;Password=…</c>).</summary>
    public static JournalDatabase Postgres(string connectionString) => new PostgresJournal(connectionString);

    // The plugins and their defaults are in hocon/akka-persistence.conf (a read-only tool's in hocon/akka-read-only.conf);
    // only the database is set here.
    private protected Config PluginConfig(bool readOnly, string connectionString)
    {
        var connection = ComputedConfig.Of(
            ("akka.persistence.journal.sql.connection-string", connectionString), ("akka.persistence.journal.sql.provider-name", ProviderName),
            ("akka.persistence.query.journal.sql.connection-string", connectionString),
            ("akka.persistence.query.journal.sql.provider-name", ProviderName),
            ("akka.persistence.snapshot-store.sql.connection-string", connectionString),
            ("akka.persistence.snapshot-store.sql.provider-name", ProviderName));
        return (readOnly ? connection.WithFallback(AkkaReference.ReadOnly) : connection)
            .WithFallback(AkkaReference.Persistence).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    private sealed record SqliteJournal(string File) : JournalDatabase
    {
        public override string ProviderName => "SQLite.MS";

        public override string ConnectionString => new SqliteConnectionStringBuilder { DataSource = File }.ToString();

        public override string Describe() => $"SQLite {File}";

        public override string? LocalFile => File;

        /// <summary>
        /// Creates the folder and the file and switches it to WAL. WAL is a property of the file and Microsoft.Data.Sqlite
        /// has no connection-string keyword for it, so it is set once here (journal and snapshot writes then do not block
        /// each other's readers, and <c>gipo status</c> reads while the run writes).
        /// </summary>
        public override void Prepare()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(File)!);
            using var connection = new SqliteConnection(ConnectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            var mode = command.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"SQLite file '{File}' refused WAL mode (journal_mode is '{mode}')");
        }

        public override System.Data.Common.DbConnection Open()
        {
            var connection = new SqliteConnection(ConnectionString);
            connection.Open();
            return connection;
        }

        public override Config ReadOnlyConfig() =>
            PluginConfig(readOnly: true, new SqliteConnectionStringBuilder { DataSource = File, Mode = SqliteOpenMode.ReadOnly }.ToString());
    }

    private sealed record PostgresJournal : JournalDatabase
    {
        private readonly NpgsqlConnectionStringBuilder parsed;

        public PostgresJournal(string connectionString)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
            try
            {
                parsed = new NpgsqlConnectionStringBuilder(connectionString);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"the PostgreSQL connection string is not valid: {e.Message} " +
                                            $"(expected e.g. Host=127.0.0.1;Port=5432;Database=gipo;Username=gipo;Password=…)", e);
            }
            if (string.IsNullOrEmpty(parsed.Host) || string.IsNullOrEmpty(parsed.Database))
                throw new ArgumentException("the PostgreSQL connection string must name Host and Database " +
                                            "(e.g. Host=127.0.0.1;Port=5432;Database=gipo;Username=gipo;Password=…)");
            // A node frozen in the middle of a journal transaction (SIGSTOP, a suspended VM, a long GC pause) would hold
            // its row and table locks forever, and the standby that took over its lease could not write (or even start
            // its journal: table creation waits for those locks). The server ends such a session instead; the write of
            // a node that then wakes up fails, as the lease's fencing wants. Journal transactions last milliseconds.
            if (string.IsNullOrEmpty(parsed.Options))
                parsed.Options = $"-c idle_in_transaction_session_timeout={IdleInTransactionTimeoutMs}";
            ConnectionString = parsed.ConnectionString;
        }

        /// <summary>How long the server lets a session sit idle inside a transaction before it ends the session.</summary>
        private const int IdleInTransactionTimeoutMs = 10_000;

        public override string ProviderName => "PostgreSQL.15";

        public override string ConnectionString { get; }

        public override string Describe() => $"PostgreSQL {parsed.Host}:{parsed.Port}/{parsed.Database} as {parsed.Username}";

        public override void Prepare()
        {
            try
            {
                using var connection = new NpgsqlConnection(ConnectionString);
                connection.Open();
                using var command = new NpgsqlCommand("SELECT 1", connection);
                command.ExecuteScalar();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                throw new InvalidOperationException($"cannot use the journal database ({Describe()}): {e.Message}", e);
            }
        }

        public override System.Data.Common.DbConnection Open()
        {
            var connection = new NpgsqlConnection(ConnectionString);
            connection.Open();
            return connection;
        }

        public override Config ReadOnlyConfig() => PluginConfig(readOnly: true, ConnectionString);
    }
}
