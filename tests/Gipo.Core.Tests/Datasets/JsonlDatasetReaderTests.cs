using Gipo.Core.Datasets;

namespace Gipo.Core.Tests.Datasets;

public sealed class JsonlDatasetReaderTests : IDisposable
{
    private readonly DatasetFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Reads_plain_and_chat_rows_with_string_and_number_answers_skipping_blank_lines()
    {
        var path = files.Write("rows.jsonl",
            """{"prompt": "What is 2+3?", "answer": "2+3=5\n#### 5"}""",
            "",
            """{"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 4+4?"}], "answer": 8, "extra": [1]}""");
        var rows = JsonlDatasetReader.Read(path, DatasetFiles.Options(path, chat: ChatFormat.ChatMl));

        Assert.Equal(2, rows.Count);
        Assert.Equal("What is 2+3?", rows[0].Prompt);
        Assert.Null(rows[0].Messages);
        Assert.Equal("5", rows[0].Gold);
        Assert.Equal("2+3=5\n#### 5", rows[0].Solution); // no solution field: the answer text is the SFT target
        Assert.Equal(1, rows[0].Line);
        Assert.Null(rows[1].Prompt);
        Assert.Equal([new ChatMessage("system", "Be brief."), new ChatMessage("user", "What is 4+4?")], rows[1].Messages);
        Assert.Equal("8", rows[1].Reference);
        Assert.Equal(3, rows[1].Line); // the blank line still counts
    }

    [Fact]
    public void Field_names_are_configurable_and_the_solution_field_is_the_sft_target()
    {
        var path = files.Write("gsm.jsonl", """{"question": "Q?", "final": "7", "worked": "3+4=7\n#### 7"}""");
        var row = JsonlDatasetReader.Read(path,
                                          DatasetFiles.Options(path, promptField: "question", answerField: "final", solutionField: "worked"))[0];
        Assert.Equal("Q?", row.Prompt);
        Assert.Equal("7", row.Gold);
        Assert.Equal("3+4=7\n#### 7", row.Solution);
    }

    [Theory]
    [InlineData("""{"prompt": "a", "answer": 1""", "not valid JSON")]
    [InlineData("""[1, 2]""", "a row must be a JSON object, not a list")]
    [InlineData("""{"question": "a", "answer": "1"}""", "no prompt field 'prompt' (gipo.dataset.prompt-field)")]
    [InlineData("""{"prompt": "a"}""", "no answer field 'answer' (gipo.dataset.answer-field)")]
    [InlineData("""{"prompt": 3, "answer": "1"}""", "prompt field 'prompt' must be a string or a list of chat messages, not a number")]
    [InlineData("""{"prompt": "a", "answer": {"value": 1}}""", "answer field 'answer' must be a string or a number, not an object")]
    [InlineData("""{"prompt": "a", "answer": null}""", "answer field 'answer' must be a string or a number, not null")]
    [InlineData("""{"prompt": "  ", "answer": "1"}""", "prompt field 'prompt' is empty")]
    [InlineData("""{"prompt": "a", "answer": ""}""", "answer field 'answer': the reference answer is empty")]
    [InlineData("""{"prompt": [{"role": "user", "content": "hi"}], "answer": "1"}""", "holds chat messages, which need gipo.dataset.chat-format")]
    public void A_bad_row_names_the_file_the_line_and_the_problem(string badRow, string problem)
    {
        var path = files.Write("bad.jsonl", """{"prompt": "fine", "answer": "#### 1"}""", badRow);
        var e = Assert.Throws<DatasetFormatException>(() => JsonlDatasetReader.Read(path, DatasetFiles.Options(path)));
        Assert.StartsWith($"{path}:2: ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.Equal(2, e.Line);
        Assert.Equal(path, e.File);
    }

    [Theory]
    [InlineData("""[]""", "has no messages")]
    [InlineData("""[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]""", "the last message must be the user's")]
    [InlineData("""[{"role": "robot", "content": "hi"}]""", "message 1 has role 'robot'")]
    [InlineData("""[{"role": "user"}]""", "message 1 needs a string 'content'")]
    [InlineData("""["hi"]""", "message 1 must be an object")]
    public void Bad_chat_messages_name_the_line_and_the_message(string messages, string problem)
    {
        var path = files.Write("chat.jsonl", $$"""{"prompt": {{messages}}, "answer": "1"}""");
        var e = Assert.Throws<DatasetFormatException>(() => JsonlDatasetReader.Read(path, DatasetFiles.Options(path, chat: ChatFormat.Llama3)));
        Assert.StartsWith($"{path}:1: ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void An_empty_file_is_an_error_naming_the_file()
    {
        var path = files.Write("empty.jsonl", "", "  ");
        var e = Assert.Throws<DatasetFormatException>(() => JsonlDatasetReader.Read(path, DatasetFiles.Options(path)));
        Assert.Equal($"{path}: no rows (the file is empty)", e.Message);
    }

    [Fact]
    public void A_reference_the_verifier_cannot_use_is_an_error_at_load()
    {
        var path = files.Write("num.jsonl", """{"prompt": "a", "answer": "12"}""", """{"prompt": "b", "answer": "twelve"}""");
        var numeric = Assert.Throws<DatasetFormatException>(() =>
            JsonlDatasetReader.Read(path, DatasetFiles.Options(path, verifier: new DatasetVerifier(DatasetVerifierKind.Numeric))));
        Assert.Equal($"{path}:2: answer field 'answer': the reference answer twelve is not a number (verifier numeric)", numeric.Message);

        var regexPath = files.Write("re.jsonl", """{"prompt": "a", "answer": "(12"}""");
        var regex = Assert.Throws<DatasetFormatException>(() =>
            JsonlDatasetReader.Read(regexPath, DatasetFiles.Options(regexPath, verifier: new DatasetVerifier(DatasetVerifierKind.Regex))));
        Assert.StartsWith($"{regexPath}:1: answer field 'answer': the reference answer '(12' is not a valid regular expression", regex.Message);
    }
}
