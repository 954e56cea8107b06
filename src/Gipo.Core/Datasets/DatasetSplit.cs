namespace Gipo.Core.Datasets;

/// <summary>
/// The checked rows of a dataset, split into training and held-out rows: the test file's, or a fixed-seed share of
/// the training file's. Rows with the same prompt are kept once (the first), so no prompt is on both sides of a
/// fraction split.
/// </summary>
/// <param name="Train">Training rows.</param>
/// <param name="Test">Held-out rows.</param>
public sealed record DatasetSplit(IReadOnlyList<DatasetRow> Train, IReadOnlyList<DatasetRow> Test)
{
    /// <summary>Reads and splits the files of <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A setting is wrong or a file is missing; the message names the key.</exception>
    /// <exception cref="DatasetFormatException">A bad row or an empty file; the message names the file and line.</exception>
    public static DatasetSplit Load(DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Template.Contains(DatasetOptions.PromptPlaceholder, StringComparison.Ordinal))
            throw new ArgumentException($"'gipo.dataset.template' = '{options.Template}' must contain {DatasetOptions.PromptPlaceholder}");
        var train = Distinct(ReadRows(Existing(options.Train, "train"), options));
        if (options.Test.Length > 0) return new DatasetSplit(train, Distinct(ReadRows(Existing(options.Test, "test"), options)));

        if (options.TestFraction is <= 0 or >= 1)
            throw new ArgumentException($"'gipo.dataset.test-fraction' = {options.TestFraction} must be in (0, " +
                                        $"1) when 'gipo.dataset.test' is empty (the held-out rows come from the training file)");
        if (train.Count < 2)
            throw new DatasetFormatException(options.Train, 0, $"{train.Count} distinct prompt(s): " +
                                                               $"a split by gipo.dataset.test-fraction needs at least 2 (or set gipo.dataset.test)");
        var order = Enumerable.Range(0, train.Count).ToArray();
        new Random(options.SplitSeed).Shuffle(order);
        var testCount = Math.Clamp((int)Math.Round(train.Count * options.TestFraction), 1, train.Count - 1);
        var held = order.Take(testCount).Order().ToHashSet();
        return new DatasetSplit(
            [.. Enumerable.Range(0, train.Count).Where(i => !held.Contains(i)).Select(i => train[i])],
            [.. held.Order().Select(i => train[i])]);
    }

    /// <summary>The rows of one file: Parquet when its name ends in <c>.parquet</c>, JSONL otherwise.</summary>
    public static IReadOnlyList<DatasetRow> ReadRows(string path, DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.EndsWith(ParquetDatasetReader.Extension, StringComparison.OrdinalIgnoreCase)
            ? ParquetDatasetReader.Read(path, options)
            : JsonlDatasetReader.Read(path, options);
    }

    private static string Existing(string path, string key)
    {
        if (path.Length == 0) throw new ArgumentException($"'gipo.dataset.{key}' is empty: name a JSONL or Parquet file of rows " +
                                                          $"(run.task = dataset)");
        if (!File.Exists(path)) throw new ArgumentException($"'gipo.dataset.{key}' = '{path}': no such file " +
                                                            $"(relative paths are from the working directory {Environment.CurrentDirectory})");
        return path;
    }

    private static List<DatasetRow> Distinct(IReadOnlyList<DatasetRow> rows)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return [.. rows.Where(row => seen.Add(row.Key))];
    }
}
