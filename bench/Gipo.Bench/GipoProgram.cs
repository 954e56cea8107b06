namespace Gipo.Bench;

/// <summary>The product's <c>gipo</c> program, which the chaos runs and <c>gipo-bench cluster</c> start as node processes.</summary>
internal static class GipoProgram
{
    /// <summary>
    /// <c>gipo.dll</c> beside this harness: the bench references the CLI project, so the build puts the product
    /// program (with its runtimeconfig and deps files) in the same folder, and the nodes run exactly that build.
    /// </summary>
    public static string Dll { get; } = typeof(Gipo.Cli.Program).Assembly.Location;
}
