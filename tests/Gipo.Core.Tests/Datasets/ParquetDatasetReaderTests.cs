using Gipo.Core.Datasets;
using Parquet.Schema;

namespace Gipo.Core.Tests.Datasets;

public sealed class ParquetDatasetReaderTests : IDisposable
{
    private readonly DatasetFiles files = new();

    public void Dispose() => files.Dispose();

    private static Dictionary<string, object?> Row(params (string Column, object? Value)[] values) =>
        values.ToDictionary(v => v.Column, v => v.Value);

    private static List<Dictionary<string, object?>> Messages(params (string Role, string Content)[] messages) =>
        [.. messages.Select(m => Row(("role", m.Role), ("content", m.Content)))];

    /// <summary>Everything but the file name is the same: the reader is a different door to the same row check.</summary>
    private static void AssertSameRows(IReadOnlyList<DatasetRow> jsonl, IReadOnlyList<DatasetRow> parquet, string parquetPath)
    {
        Assert.Equal(jsonl.Count, parquet.Count);
        for (var i = 0; i < jsonl.Count; i++)
        {
            Assert.Equal(parquetPath, parquet[i].File);
            Assert.Equal(jsonl[i].Line, parquet[i].Line);
            Assert.Equal(jsonl[i].Prompt, parquet[i].Prompt);
            Assert.Equal(jsonl[i].Messages is null, parquet[i].Messages is null);
            if (jsonl[i].Messages is { } messages) Assert.Equal(messages, parquet[i].Messages!);
            Assert.Equal(jsonl[i].Reference, parquet[i].Reference);
            Assert.Equal(jsonl[i].Gold, parquet[i].Gold);
            Assert.Equal(jsonl[i].Solution, parquet[i].Solution);
            Assert.Equal(jsonl[i].Key, parquet[i].Key);
        }
    }

    [Fact]
    public async Task String_prompts_and_answers_give_the_rows_the_jsonl_reader_gives()
    {
        var jsonl = files.Write("rows.jsonl",
            """{"prompt": "What is 2+3?", "answer": "2+3=5\n#### 5"}""",
            """{"prompt": "Ann has 4 pens and gets 13 more. How many now?", "answer": "4+13=17\n#### 17"}""",
            """{"prompt": "Ünïcode — ok?", "answer": "#### 1,000"}""");
        var parquet = await files.WriteParquetAsync("rows.parquet",
            new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("answer")),
            [
                Row(("prompt", "What is 2+3?"), ("answer", "2+3=5\n#### 5")),
                Row(("prompt", "Ann has 4 pens and gets 13 more. How many now?"), ("answer", "4+13=17\n#### 17")),
                Row(("prompt", "Ünïcode — ok?"), ("answer", "#### 1,000")),
            ]);

        var rows = ParquetDatasetReader.Read(parquet, DatasetFiles.Options(parquet));
        AssertSameRows(JsonlDatasetReader.Read(jsonl, DatasetFiles.Options(jsonl)), rows, parquet);
        Assert.Equal(["5", "17", "1000"], rows.Select(r => r.Gold));
        Assert.Equal([1, 2, 3], rows.Select(r => r.Line));
    }

    [Fact]
    public async Task Numeric_answer_columns_give_the_rows_the_jsonl_reader_gives_for_the_same_numbers()
    {
        var jsonl = files.Write("num.jsonl",
            """{"q": "a", "n64": 8, "n32": -3, "x": 2.5, "m": 12.5, "f": 0.25}""",
            """{"q": "b", "n64": 1234567890123, "n32": 0, "x": 0.1, "m": 7, "f": 3}""");
        var parquet = await files.WriteParquetAsync("num.parquet",
            new ParquetSchema(new DataField<string>("q"), new DataField<long>("n64"), new DataField<int>("n32"), new DataField<double>("x"),
                new DecimalDataField("m", precision: 10, scale: 2), new DataField<float>("f")),
            [
                Row(("q", "a"), ("n64", 8L), ("n32", -3), ("x", 2.5), ("m", 12.50m), ("f", 0.25f)),
                Row(("q", "b"), ("n64", 1234567890123L), ("n32", 0), ("x", 0.1), ("m", 7m), ("f", 3f)),
            ]);

        foreach (var (answer, expected) in new[]
                 {
                     ("n64", new[] { "8", "1234567890123" }), ("n32", new[] { "-3", "0" }), ("x", new[] { "2.5", "0.1" }),
                     ("m", new[] { "12.5", "7" }), ("f", new[] { "0.25", "3" }),
                 })
        {
            var numeric = new DatasetVerifier(DatasetVerifierKind.Numeric);
            var rows = ParquetDatasetReader.Read(parquet, DatasetFiles.Options(parquet, verifier: numeric, promptField: "q", answerField: answer));
            AssertSameRows(JsonlDatasetReader.Read(jsonl, DatasetFiles.Options(jsonl, verifier: numeric, promptField: "q", answerField: answer)),
                           rows, parquet);
            Assert.Equal(expected, rows.Select(r => r.Reference));
        }
    }

    [Fact]
    public async Task Chat_message_structs_and_a_solution_column_give_the_rows_the_jsonl_reader_gives()
    {
        var jsonl = files.Write("chat.jsonl",
            """{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 4+4?"}], "final": 8,""" +
            """ "worked": "4+4=8\n#### 8"}""",
            """{"messages": [{"role": "user", "content": "What is 1+1?"}], "final": 2, "worked": "1+1=2\n#### 2"}""");
        var message = new StructField(ListField.ElementName, new DataField<string>("role"), new DataField<string>("content"));
        var parquet = await files.WriteParquetAsync("chat.parquet",
            new ParquetSchema(new ListField("messages", message), new DataField<int>("final"), new DataField<string>("worked")),
            [
                Row(("messages", Messages(("system", "Be brief."), ("user", "What is 4+4?"))), ("final", 8), ("worked", "4+4=8\n#### 8")),
                Row(("messages", Messages(("user", "What is 1+1?"))), ("final", 2), ("worked", "1+1=2\n#### 2")),
            ]);

        DatasetOptions Options(string path) =>
            DatasetFiles.Options(path, chat: ChatFormat.ChatMl, promptField: "messages", answerField: "final", solutionField: "worked");
        var rows = ParquetDatasetReader.Read(parquet, Options(parquet));
        AssertSameRows(JsonlDatasetReader.Read(jsonl, Options(jsonl)), rows, parquet);
        Assert.Equal([new ChatMessage("system", "Be brief."), new ChatMessage("user", "What is 4+4?")], rows[0].Messages!);
        Assert.Equal("4+4=8\n#### 8", rows[0].Solution);

        // The same row checks: chat messages need a chat format, and the last message must be the user's.
        var none = Assert.Throws<DatasetFormatException>(() =>
            ParquetDatasetReader.Read(parquet, DatasetFiles.Options(parquet, promptField: "messages", answerField: "final")));
        Assert.StartsWith($"{parquet}:1: prompt field 'messages' holds chat messages, which need gipo.dataset.chat-format", none.Message);
        var last = await files.WriteParquetAsync("last.parquet",
            new ParquetSchema(new ListField("messages", message), new DataField<int>("final")),
            [Row(("messages", Messages(("user", "hi"), ("assistant", "yo"))), ("final", 1))]);
        var e = Assert.Throws<DatasetFormatException>(() =>
            ParquetDatasetReader.Read(last, DatasetFiles.Options(last, chat: ChatFormat.Llama3, promptField: "messages", answerField: "final")));
        Assert.Equal($"{last}:1: prompt field 'messages': the last message must be the user's (the model answers it), not 'assistant'", e.Message);
    }

    [Fact]
    public async Task A_missing_column_is_an_error_naming_the_file_the_column_the_setting_and_the_columns_there_are()
    {
        var path = await files.WriteParquetAsync("cols.parquet",
            new ParquetSchema(new DataField<string>("question"), new DataField<string>("answer")),
            [Row(("question", "a"), ("answer", "1"))]);

        var prompt = Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(path, DatasetFiles.Options(path)));
        Assert.Equal($"{path}: no prompt column 'prompt' (gipo.dataset.prompt-field); the columns are 'question', 'answer'", prompt.Message);
        Assert.Equal(0, prompt.Line);
        Assert.Equal(path, prompt.File);

        var answer = Assert.Throws<DatasetFormatException>(() =>
            ParquetDatasetReader.Read(path, DatasetFiles.Options(path, promptField: "question", answerField: "final")));
        Assert.Equal($"{path}: no answer column 'final' (gipo.dataset.answer-field); the columns are 'question', 'answer'", answer.Message);

        var solution = Assert.Throws<DatasetFormatException>(() =>
            ParquetDatasetReader.Read(path, DatasetFiles.Options(path, promptField: "question", solutionField: "worked")));
        Assert.Equal($"{path}: no solution column 'worked' (gipo.dataset.solution-field); the columns are 'question', 'answer'", solution.Message);
    }

    [Fact]
    public async Task A_null_value_is_an_error_naming_the_file_the_row_and_the_column()
    {
        var path = await files.WriteParquetAsync("nulls.parquet",
            new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("answer"), new DataField<int?>("n")),
            [
                Row(("prompt", "a"), ("answer", "#### 1"), ("n", 1)),
                Row(("prompt", "b"), ("answer", null), ("n", 2)),
                Row(("prompt", null), ("answer", "#### 3"), ("n", null)),
            ]);

        var answer = Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(path, DatasetFiles.Options(path)));
        Assert.Equal($"{path}:2: answer field 'answer' must be a string or a number, not null", answer.Message);
        Assert.Equal(2, answer.Line);

        var prompt = Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(path, DatasetFiles.Options(path, answerField: "n")));
        Assert.Equal($"{path}:3: prompt field 'prompt' must be a string or a list of chat messages, not null", prompt.Message);
    }

    [Fact]
    public async Task A_column_of_the_wrong_type_is_an_error_naming_the_file_the_column_and_its_type()
    {
        var path = await files.WriteParquetAsync("types.parquet",
            new ParquetSchema(new DataField<string>("prompt"), new DataField<int>("id"), new DataField<bool>("ok"), new DataField<string>("answer"),
                new StructField("meta", new DataField<string>("source"), new DataField<long>("index"))),
            [Row(("prompt", "a"), ("id", 1), ("ok", true), ("answer", "1"), ("meta", Row(("source", "x"), ("index", 3L))))]);

        var answer = Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(path, DatasetFiles.Options(path, answerField: "ok")));
        Assert.Equal($"{path}: answer column 'ok' is boolean: it must be a string or a numeric column", answer.Message);
        Assert.Equal(0, answer.Line);

        var prompt = Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(path, DatasetFiles.Options(path, promptField: "id")));
        Assert.Equal($"{path}: prompt column 'id' is int32: it must be a string column or a list of {{role, " +
                     $"content}} string structs (chat messages)", prompt.Message);

        var structPrompt =
            Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(path, DatasetFiles.Options(path, promptField: "meta")));
        Assert.Equal($"{path}: prompt column 'meta' is a struct {{source: string, index: int64}}: it must be a string column or a list of {{role, " +
                     $"content}} string structs (chat messages)", structPrompt.Message);

        var solution =
            Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(path, DatasetFiles.Options(path, solutionField: "meta")));
        Assert.StartsWith($"{path}: solution column 'meta' is a struct", solution.Message);

        // A list of plain strings is not a chat prompt: the messages need a role each.
        var list = await files.WriteParquetAsync("list.parquet",
            new ParquetSchema(new ListField("prompt", new DataField<string>(ListField.ElementName)), new DataField<string>("answer")),
            [Row(("prompt", new List<ReadOnlyMemory<char>?> { "hi".AsMemory() }), ("answer", "1"))]); // the untyped writer's element type
        var strings =
            Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(list, DatasetFiles.Options(list, chat: ChatFormat.ChatMl)));
        Assert.Equal($"{list}: prompt column 'prompt' is a list of string: it must be a string column or a list of {{role, " +
                     $"content}} string structs (chat messages)", strings.Message);
    }

    [Fact]
    public async Task Row_checks_are_the_jsonl_ones_and_row_numbers_run_across_row_groups()
    {
        var rows = Enumerable.Range(1, 5)
            .Select(i => (IDictionary<string, object?>)Row(("prompt", $"p{i}"), ("answer", i == 4 ? "twelve" : $"{i}"))).ToList();
        var path = await files.WriteParquetAsync("groups.parquet",
            new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("answer")), rows, rowGroupSize: 2);

        var e = Assert.Throws<DatasetFormatException>(() =>
            ParquetDatasetReader.Read(path, DatasetFiles.Options(path, verifier: new DatasetVerifier(DatasetVerifierKind.Numeric))));
        Assert.Equal($"{path}:4: answer field 'answer': the reference answer twelve is not a number (verifier numeric)", e.Message);

        var read = ParquetDatasetReader.Read(path, DatasetFiles.Options(path, verifier: new DatasetVerifier(DatasetVerifierKind.Exact)));
        Assert.Equal(["p1", "p2", "p3", "p4", "p5"], read.Select(r => r.Prompt));
        Assert.Equal([1, 2, 3, 4, 5], read.Select(r => r.Line));

        var blank =
            await files.WriteParquetAsync("blank.parquet", new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("answer")),
            [Row(("prompt", "ok"), ("answer", "1")), Row(("prompt", "  "), ("answer", "1"))]);
        var empty = Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(blank, DatasetFiles.Options(blank)));
        Assert.Equal($"{blank}:2: prompt field 'prompt' is empty", empty.Message);
    }

    [Fact]
    public async Task A_non_finite_number_is_an_error_naming_the_row_and_the_column()
    {
        var path = await files.WriteParquetAsync("nan.parquet", new ParquetSchema(new DataField<string>("prompt"), new DataField<double>("answer")),
            [Row(("prompt", "a"), ("answer", 1.0)), Row(("prompt", "b"), ("answer", double.NaN))]);
        var e = Assert.Throws<DatasetFormatException>(() =>
            ParquetDatasetReader.Read(path, DatasetFiles.Options(path, verifier: new DatasetVerifier(DatasetVerifierKind.Numeric))));
        Assert.Equal($"{path}:2: column 'answer' holds NaN, which is not a finite number", e.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_parquet_or_has_no_rows_is_an_error_naming_the_file()
    {
        var text = files.Write("rows.parquet", """{"prompt": "a", "answer": "1"}""");
        var notParquet = Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(text, DatasetFiles.Options(text)));
        Assert.StartsWith($"{text}: not a readable Parquet file (", notParquet.Message);

        var empty =
            await files.WriteParquetAsync("empty.parquet", new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("answer")), []);
        var none = Assert.Throws<DatasetFormatException>(() => ParquetDatasetReader.Read(empty, DatasetFiles.Options(empty)));
        Assert.Equal($"{empty}: no rows (the file is empty)", none.Message);
    }

    [Fact]
    public async Task A_dataset_split_reads_parquet_by_its_extension_and_jsonl_otherwise()
    {
        var train = await files.WriteParquetAsync("train.PARQUET", new ParquetSchema(new DataField<string>("prompt"), new DataField<int>("answer")),
            [Row(("prompt", "a"), ("answer", 1)), Row(("prompt", "b"), ("answer", 2)), Row(("prompt", "a"), ("answer", 3))]);
        var test = files.Write("test.jsonl", """{"prompt": "c", "answer": 3}""");

        var split = DatasetSplit.Load(DatasetFiles.Options(train, test));
        Assert.Equal(["a", "b"], split.Train.Select(r => r.Prompt)); // the repeated prompt is kept once, as for JSONL
        Assert.Equal(["c"], split.Test.Select(r => r.Prompt));
        Assert.Equal(test, split.Test[0].File);
    }
}
