using Gipo.Core.Datasets;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace Gipo.Core.Tests.Datasets;

/// <summary>Temporary dataset files and default options for the dataset tests.</summary>
internal sealed class DatasetFiles : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"gipo-dataset-{Guid.NewGuid():N}");

    public DatasetFiles() => Directory.CreateDirectory(dir);

    public string Write(string name, params string[] lines)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return path;
    }

    /// <summary>Writes <paramref name="rows"/> (column name → value; a list of dictionaries for a list of structs) as a Parquet file.</summary>
    public async Task<string> WriteParquetAsync(string name, ParquetSchema schema, IReadOnlyCollection<IDictionary<string, object?>> rows,
                                                int? rowGroupSize = null)
    {
        var path = Path.Combine(dir, name);
        await using var stream = File.Create(path);
        await ParquetSerializer.SerializeUntypedAsync(rows, schema, stream, rowGroupSize is { } size
            ? new ParquetOptions { RowGroupSize = size } : null);
        return path;
    }

    public static DatasetOptions Options(string train, string test = "", DatasetVerifier? verifier = null, ChatFormat chat = ChatFormat.None,
        string template = "{prompt}", string promptField = "prompt", string answerField = "answer", string solutionField = "", string system = "",
        double testFraction = 0.1) =>
        new(train, test, testFraction, 0, promptField, answerField, solutionField, template, chat, system,
            verifier ?? new DatasetVerifier(DatasetVerifierKind.Gsm8k));

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
