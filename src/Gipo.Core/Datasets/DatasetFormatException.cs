namespace Gipo.Core.Datasets;

/// <summary>
/// A dataset file that cannot be used: the message names the file and the line (1-based; a Parquet file's row number)
/// or the setting or column at fault.
/// An <see cref="ArgumentException"/> like the settings errors, so the CLI reports it as one line with exit code 1.
/// </summary>
public sealed class DatasetFormatException : ArgumentException
{
    /// <summary>A problem with line <paramref name="line"/> of <paramref name="file"/> (0: the file as a whole).</summary>
    public DatasetFormatException(string file, int line, string problem, Exception? inner = null)
        : base(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}", inner)
    {
        File = file;
        Line = line;
    }

    /// <summary>The dataset file.</summary>
    public string File { get; }

    /// <summary>The 1-based line (Parquet: row) of the bad row; 0 when the problem is the file as a whole (or a Parquet column).</summary>
    public int Line { get; }
}
