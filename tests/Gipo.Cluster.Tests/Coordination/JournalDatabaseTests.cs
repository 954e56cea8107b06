using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>The journal database choice: bad PostgreSQL settings are one clear error at start-up, not plugin retries.</summary>
public sealed class JournalDatabaseTests
{
    [Theory(DisplayName = "A PostgreSQL connection string without host or database, or malformed, is refused with an example")]
    [InlineData("Database=gipo;Username=gipo")]
    [InlineData("Host=127.0.0.1;Username=gipo")]
    [InlineData("Host=127.0.0.1;Database=gipo;NoSuchKeyword=1")]
    public void Bad_connection_strings_are_refused(string connectionString)
    {
        var e = Assert.Throws<ArgumentException>(() => JournalDatabase.Postgres(connectionString));
        Assert.Contains("Host=127.0.0.1;Port=5432;Database=gipo", e.Message);
    }

    [Fact(DisplayName = "An unreachable PostgreSQL server is named in the error, without the password")]
    public void Unreachable_server_is_named()
    {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        var database = JournalDatabase.Postgres("Host=127.0.0.1;Port=1;Database=gipo;Username=gipo;Password=secret;Timeout=3");
        var e = Assert.Throws<InvalidOperationException>(database.Prepare);
        Assert.Contains("PostgreSQL 127.0.0.1:1/gipo as gipo", e.Message);
        Assert.DoesNotContain("secret", e.Message);
        Assert.Equal("PostgreSQL.15", database.ProviderName);
    }

    [Fact(DisplayName = "SQLite and PostgreSQL configure the same Akka.Persistence.Sql plugins with their provider names")]
    public void Both_databases_configure_the_sql_plugins()
    {
        foreach (var (database, provider) in new[] { (JournalDatabase.Sqlite("/tmp/x/journal.db"), "SQLite.MS"),
                                                    (JournalDatabase.Postgres("Host=h;Database=d"), "PostgreSQL.15") })
        {
            var config = database.Config();
            Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
            Assert.Equal(provider, config.GetString("akka.persistence.journal.sql.provider-name"));
            Assert.Equal(provider, config.GetString("akka.persistence.snapshot-store.sql.provider-name"));
            Assert.Equal(database.ConnectionString, config.GetString("akka.persistence.query.journal.sql.connection-string"));
            Assert.True(config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
            Assert.False(database.ReadOnlyConfig().GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        }
    }
}
