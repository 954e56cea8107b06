using Gipo.Cluster.Coordination;
using Npgsql;

namespace Gipo.Cluster.Tests.Fencing;

/// <summary>A frozen node must not hold the journal's locks: its PostgreSQL sessions end when idle inside a transaction.</summary>
public sealed class PostgresSessionTimeoutTests
{
    [Fact]
    public void Journal_sessions_end_when_idle_in_a_transaction()
    {
        var cs = new NpgsqlConnectionStringBuilder(JournalDatabase.Postgres("Host=h;Database=d;Username=u").ConnectionString);
        Assert.Equal("-c idle_in_transaction_session_timeout=10000", cs.Options);
        Assert.Equal("h", cs.Host);
    }

    [Fact]
    public void Options_given_by_the_operator_are_kept()
    {
        var cs = new NpgsqlConnectionStringBuilder(JournalDatabase.Postgres("Host=h;Database=d;Options='-c " +
                                                                            "statement_timeout=5000'").ConnectionString);
        Assert.Equal("-c statement_timeout=5000", cs.Options);
    }
}
