using System.Collections;
using System.Globalization;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace Gipo.Core.Datasets;

/// <summary>
/// Reads a Parquet dataset file (one row per record, columns named by the <c>gipo.dataset.*-field</c> settings) into
/// checked <see cref="DatasetRow"/>s. The columns' types are checked first, against the file's schema; then each row
/// goes through the same row check as a JSONL line (<see cref="JsonlDatasetReader.ToRow"/>), so the same data gives
/// the same rows in either format. Errors name the file and the 1-based row number (across row groups) or the column.
/// </summary>
public static class ParquetDatasetReader
{
    /// <summary>The file name ending that selects this reader (case-insensitive).</summary>
    public const string Extension = ".parquet";

    /// <summary>
    /// Byte-array columns without the UTF-8 annotation are read as text: some writers (older Spark, Hive) leave strings
    /// unannotated, and a dataset's prompt and answer columns are text either way.
    /// </summary>
    private static ParquetOptions ReadOptions => new() { TreatByteArrayAsString = true };

    /// <summary>The rows of <paramref name="path"/>, in file order.</summary>
    /// <exception cref="DatasetFormatException">
    /// Not a readable Parquet file, a missing column or one of the wrong type (the column and its type named), a bad
    /// row (the first one), or a file without rows.
    /// </exception>
    public static IReadOnlyList<DatasetRow> Read(string path, DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DeserializationResult<Dictionary<string, object>> file;
        try
        {
            using var stream = File.OpenRead(path);
            // Parquet.Net is async-only; the dataset is read once at start-up, on no synchronisation context.
            file = ParquetSerializer.DeserializeUntypedAsync(stream, ReadOptions).GetAwaiter().GetResult();
        }
        // Parquet.Net reports a damaged or unsupported file with many exception types (IOException for a bad magic
        // number, ParquetException, Thrift errors, NotSupportedException for an encoding it lacks, …): any of them means
        // this file cannot be used, and the message keeps the library's words.
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            throw new DatasetFormatException(path, 0, $"not a readable Parquet file ({e.Message})", e);
        }

        var columns = Columns(file.Schema, path, options);
        var rows = new List<DatasetRow>(file.Data.Count);
        for (var i = 0; i < file.Data.Count; i++)
            rows.Add(JsonlDatasetReader.ToRow(AsJson(file.Data[i], columns, path, i + 1), path, i + 1, options));

        if (rows.Count == 0) throw new DatasetFormatException(path, 0, "no rows (the file is empty)");
        return rows;
    }

    /// <summary>
    /// The columns a row needs (prompt, answer, and the solution when <see cref="DatasetOptions.SolutionField"/> is
    /// set), checked against <paramref name="schema"/>: each must be there, at the top level, with a type the row check
    /// can take.
    /// </summary>
    /// <exception cref="DatasetFormatException">A column is missing or of the wrong type (line 0: the file as a whole).</exception>
    internal static IReadOnlyList<string> Columns(ParquetSchema schema, string file, DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(options);
        DatasetFormatException Bad(string problem) => new(file, 0, problem);
        Field Find(string name, string what, string key) =>
            schema.Fields.FirstOrDefault(f => f.Name == name)
            ?? throw Bad($"no {what} column '{name}' ({key}); the columns are {string.Join(", ", schema.Fields.Select(f => $"'{f.Name}'"))}");

        var prompt = Find(options.PromptField, "prompt", "gipo.dataset.prompt-field");
        if (!IsString(prompt) && !IsChatMessages(prompt))
            throw Bad($"prompt column '{prompt.Name}' is {TypeName(prompt)}: it must be a string column or a list of {{role, " +
                      $"content}} string structs (chat messages)");

        var columns = new List<string> { prompt.Name };
        foreach (var (name, what, key) in new[]
                 {
                     (options.AnswerField, "answer", "gipo.dataset.answer-field"),
                     (options.SolutionField, "solution", "gipo.dataset.solution-field"),
                 })
        {
            if (name.Length == 0) continue;
            var column = Find(name, what, key);
            if (!IsString(column) && !IsNumber(column))
                throw Bad($"{what} column '{column.Name}' is {TypeName(column)}: it must be a string or a numeric column");
            if (!columns.Contains(column.Name)) columns.Add(column.Name);
        }

        return columns;
    }

    /// <summary>
    /// One Parquet row's <paramref name="columns"/> as the JSON object a JSONL line with the same data holds: a null
    /// (or absent) value is <c>null</c>, numbers are numbers, chat messages a list of objects.
    /// </summary>
    /// <exception cref="DatasetFormatException">A value JSON cannot hold (a NaN or infinite number), naming the row and column.</exception>
    internal static JsonElement AsJson(IReadOnlyDictionary<string, object> row, IReadOnlyList<string> columns, string file, int rowNumber)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(columns);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var column in columns)
            {
                json.WritePropertyName(column);
                // The untyped reader leaves a null value's key out of the row.
                Write(json, row.GetValueOrDefault(column), column, file, rowNumber);
            }

            json.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private static void Write(Utf8JsonWriter json, object? value, string column, string file, int rowNumber)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case ReadOnlyMemory<char> m: json.WriteStringValue(m.Span); break;
            case bool b: json.WriteBooleanValue(b); break;
            case sbyte or short or int or long: json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case byte or ushort or uint or ulong: json.WriteNumberValue(Convert.ToUInt64(value, CultureInfo.InvariantCulture)); break;
            // A decimal column has one scale for every value (decimal(10,2) reads 7 as 7.00): trailing zeros are the
            // column's, not the row's, so they are dropped (12.50 is 12.5), as a verifier comparing text expects.
            case decimal d: json.WriteNumberValue(d / 1.000000000000000000000000000000000m); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case float or double:
                throw new DatasetFormatException(file, rowNumber, $"column '{column}' holds " +
                                                                  $"{Convert.ToString(value, CultureInfo.InvariantCulture)}, " +
                                                                  $"which is not a finite number");
            case IEnumerable<KeyValuePair<string, object>> record:
                json.WriteStartObject();
                foreach (var (key, item) in record)
                {
                    json.WritePropertyName(key);
                    Write(json, item, column, file, rowNumber);
                }

                json.WriteEndObject();
                break;
            case IEnumerable list:
                json.WriteStartArray();
                foreach (var item in list) Write(json, item, column, file, rowNumber);
                json.WriteEndArray();
                break;
            default:
                // The schema check admits strings, numbers and chat messages only, so this is a reader surprise.
                throw new DatasetFormatException(file, rowNumber, $"column '{column}' holds a {value.GetType().Name}, " +
                                                                  $"which a dataset row cannot use");
        }
    }

    // A file's string columns have the type ReadOnlyMemory<char> in Parquet.Net's schema (string when built in code).
    private static bool IsString(Field field) => field is DataField { IsArray: false } data && IsStringType(data.ClrType);

    private static bool IsStringType(Type type) => type == typeof(string) || type == typeof(ReadOnlyMemory<char>);

    private static bool IsNumber(Field field) => field is DataField { IsArray: false } data && NumericTypes.Contains(data.ClrType);

    private static readonly HashSet<Type> NumericTypes =
    [
        typeof(sbyte), typeof(byte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong),
        typeof(float), typeof(double), typeof(decimal),
    ];

    /// <summary>A list whose items are structs with string <c>role</c> and <c>content</c> fields (others are ignored by the row check).</summary>
    private static bool IsChatMessages(Field field) =>
        field is ListField { Item: StructField message }
        && message.Fields.Any(f => f.Name == "role" && IsString(f))
        && message.Fields.Any(f => f.Name == "content" && IsString(f));

    /// <summary>A column's type in words, for error messages: <c>int64</c>, <c>a list of string</c>, <c>a struct {a, b}</c>.</summary>
    internal static string TypeName(Field field) => field switch
    {
        DataField { IsArray: true } data => $"a list of {ScalarName(data.ClrType)}",
        DataField data => ScalarName(data.ClrType),
        ListField list => $"a list of {TypeName(list.Item)}",
        StructField record => $"a struct {{{string.Join(", ", record.Fields.Select(f => $"{f.Name}: {TypeName(f)}"))}}}",
        MapField => "a map",
        _ => field.SchemaType.ToString(),
    };

    private static string ScalarName(Type type) => type switch
    {
        _ when IsStringType(type) => "string",
        _ when type == typeof(bool) => "boolean",
        _ when type == typeof(sbyte) => "int8",
        _ when type == typeof(byte) => "uint8",
        _ when type == typeof(short) => "int16",
        _ when type == typeof(ushort) => "uint16",
        _ when type == typeof(int) => "int32",
        _ when type == typeof(uint) => "uint32",
        _ when type == typeof(long) => "int64",
        _ when type == typeof(ulong) => "uint64",
        _ when type == typeof(float) => "float",
        _ when type == typeof(double) => "double",
        _ when type == typeof(decimal) => "decimal",
        _ when type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>) => "binary",
        _ => type.Name,
    };
}
