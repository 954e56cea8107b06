namespace Gipo.Cluster.Tests.Coordination;

/// <summary>
/// A TestKit on a fresh SQLite journal and snapshot store (see <see cref="SqliteTestDatabase.SpecConfig"/>), deleted
/// when the test ends. <see cref="Database"/> is the file, for asserting on journal and snapshot rows.
/// </summary>
public abstract class SqliteTestKit : Akka.TestKit.Xunit2.TestKit
{
    protected SqliteTestKit(Xunit.Abstractions.ITestOutputHelper output) : this(SqliteTestDatabase.Create(), output)
    {
    }

    private SqliteTestKit(string database, Xunit.Abstractions.ITestOutputHelper output)
        : base(SqliteTestDatabase.SpecConfig(database), "gipo", output) => Database = database;

    protected string Database { get; }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) SqliteTestDatabase.Delete(Database);
    }
}
