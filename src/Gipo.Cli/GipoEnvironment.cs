namespace Gipo.Cli;

/// <summary>
/// The <c>GIPO_*</c> environment variables that stand in for command-line flags (containers set them): one reading
/// rule for every command, so an empty variable means "not set" everywhere.
/// </summary>
internal static class GipoEnvironment
{
    /// <summary>The journal database's Npgsql connection string (<c>--postgres</c>).</summary>
    public const string Postgres = "GIPO_POSTGRES";

    /// <summary>The variable's value, or null when it is unset or blank.</summary>
    public static string? Get(string name) => Environment.GetEnvironmentVariable(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v : null;
}
