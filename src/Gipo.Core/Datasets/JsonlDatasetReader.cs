using System.Text.Json;

namespace Gipo.Core.Datasets;

/// <summary>
/// Reads a JSONL dataset file (one JSON object per line; blank lines are skipped) into checked
/// <see cref="DatasetRow"/>s. Every problem with a row is a <see cref="DatasetFormatException"/> naming the file, the
/// line and the field.
/// </summary>
public static class JsonlDatasetReader
{
    /// <summary>The rows of <paramref name="path"/>, in file order.</summary>
    /// <exception cref="DatasetFormatException">A bad row (the first one), or a file without rows.</exception>
    public static IReadOnlyList<DatasetRow> Read(string path, DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rows = new List<DatasetRow>();
        var line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            rows.Add(ParseRow(text, path, line, options));
        }

        if (rows.Count == 0) throw new DatasetFormatException(path, 0, "no rows (the file is empty)");
        return rows;
    }

    /// <summary>One line of a JSONL file as a row.</summary>
    /// <exception cref="DatasetFormatException">The line is not a usable row; the message says which field and why.</exception>
    public static DatasetRow ParseRow(string text, string file, int line, DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new DatasetFormatException(file, line, $"not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            return ToRow(document.RootElement, file, line, options);
        }
    }

    /// <summary>A parsed JSON object as a row (shared by the file formats).</summary>
    internal static DatasetRow ToRow(JsonElement row, string file, int line, DatasetOptions options)
    {
        DatasetFormatException Bad(string problem) => new(file, line, problem);
        if (row.ValueKind != JsonValueKind.Object) throw Bad($"a row must be a JSON object, not {Kind(row)}");

        if (!row.TryGetProperty(options.PromptField, out var prompt))
            throw Bad($"no prompt field '{options.PromptField}' (gipo.dataset.prompt-field)");
        string? promptText = null;
        IReadOnlyList<ChatMessage>? messages = null;
        switch (prompt.ValueKind)
        {
            case JsonValueKind.String:
                promptText = prompt.GetString()!;
                if (promptText.Trim().Length == 0) throw Bad($"prompt field '{options.PromptField}' is empty");
                break;
            case JsonValueKind.Array:
                messages = Messages(prompt, options.PromptField, Bad);
                if (options.ChatFormat == ChatFormat.None)
                    throw Bad($"prompt field '{options.PromptField}' holds chat messages, which need gipo.dataset.chat-format = auto, " +
                              $"chatml or llama3 (it is none)");
                break;
            default:
                throw Bad($"prompt field '{options.PromptField}' must be a string or a list of chat messages, not {Kind(prompt)}");
        }

        var reference = Text(row, options.AnswerField, "answer", "gipo.dataset.answer-field", Bad);
        var solution = options.SolutionField.Length == 0 ? reference
            : Text(row, options.SolutionField, "solution", "gipo.dataset.solution-field", Bad);
        string gold;
        try
        {
            gold = options.Verifier.Gold(reference);
        }
        catch (ArgumentException e)
        {
            throw Bad($"answer field '{options.AnswerField}': {e.Message}");
        }

        return new DatasetRow(file, line, promptText, messages, reference, gold, solution);
    }

    private static string Text(JsonElement row, string field, string what, string key, Func<string, DatasetFormatException> bad)
    {
        if (!row.TryGetProperty(field, out var value)) throw bad($"no {what} field '{field}' ({key})");
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            // Numbers as written: 1e3 stays "1e3", and the verifier decides what it means.
            JsonValueKind.Number => value.GetRawText(),
            _ => throw bad($"{what} field '{field}' must be a string or a number, not {Kind(value)}"),
        };
    }

    private static List<ChatMessage> Messages(JsonElement array, string field, Func<string, DatasetFormatException> bad)
    {
        var messages = new List<ChatMessage>();
        foreach (var item in array.EnumerateArray())
        {
            var at = $"prompt field '{field}' message {messages.Count + 1}";
            if (item.ValueKind != JsonValueKind.Object) throw bad($"{at} must be an object {{\"role\", \"content\"}}, not {Kind(item)}");
            if (!item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
                throw bad($"{at} needs a string 'role' ({string.Join(", ", ChatPrompt.Roles)})");
            if (!ChatPrompt.Roles.Contains(role.GetString()!))
                throw bad($"{at} has role '{role.GetString()}' (allowed: {string.Join(", ", ChatPrompt.Roles)})");
            if (!item.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                throw bad($"{at} needs a string 'content'");
            messages.Add(new ChatMessage(role.GetString()!, content.GetString()!));
        }

        if (messages.Count == 0) throw bad($"prompt field '{field}' has no messages");
        if (messages[^1].Role != "user") throw bad($"prompt field '{field}': the last message must be the user's (the model answers it), " +
                                                   $"not '{messages[^1].Role}'");
        return messages;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => element.ValueKind.ToString(),
    };
}
