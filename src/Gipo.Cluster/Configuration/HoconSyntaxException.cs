namespace Gipo.Cluster.Configuration;

/// <summary>HOCON text that does not parse, with where: <see cref="File"/>, <see cref="Line"/> and <see cref="Column"/> (1-based).</summary>
public sealed class HoconSyntaxException(string message, string source, int line, int column) : ArgumentException(message)
{
    /// <summary>The file (or <c>--set …</c>) the text came from.</summary>
    public string File { get; } = source;

    /// <summary>1-based line of the problem.</summary>
    public int Line { get; } = line;

    /// <summary>1-based column of the problem.</summary>
    public int Column { get; } = column;
}
