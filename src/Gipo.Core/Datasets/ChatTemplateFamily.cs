using System.Text.Json;
using Gipo.Core.Verification;

namespace Gipo.Core.Datasets;

/// <summary>
/// Recognises the chat format of a checkpoint from its <c>tokenizer_config.json</c> <c>chat_template</c> by the
/// family's markers (<c>&lt;|im_start|&gt;</c>: ChatML; <c>&lt;|start_header_id|&gt;</c>: Llama-3), without a Jinja engine.
/// </summary>
public static class ChatTemplateFamily
{
    /// <summary>The file Hugging Face keeps the chat template in.</summary>
    public const string TokenizerConfigFile = "tokenizer_config.json";

    /// <summary>The format of <paramref name="chatTemplate"/>.</summary>
    /// <exception cref="ArgumentException">A template of another family; the message quotes its start.</exception>
    public static ChatFormat Detect(string chatTemplate)
    {
        ArgumentNullException.ThrowIfNull(chatTemplate);
        if (chatTemplate.Contains("<|im_start|>", StringComparison.Ordinal)) return ChatFormat.ChatMl;
        if (chatTemplate.Contains("<|start_header_id|>", StringComparison.Ordinal)) return ChatFormat.Llama3;
        throw new ArgumentException(
            $"chat template '{Excerpt.Of(chatTemplate.ReplaceLineEndings(" "))}' is not one Gipo renders (ChatML with <|im_start|>, " +
            "Llama-3 with <|start_header_id|>): set gipo.dataset.chat-format to chatml, llama3 or none");
    }

    /// <summary>
    /// The format of the checkpoint in <paramref name="checkpointDir"/>: <see cref="ChatFormat.None"/> when it has no
    /// <c>tokenizer_config.json</c> or no <c>chat_template</c> in it (the tiny models Gipo trains from scratch).
    /// </summary>
    /// <exception cref="ArgumentException">The template is of another family, or the file is not valid JSON; the message names the file.</exception>
    public static ChatFormat FromCheckpoint(string checkpointDir)
    {
        var path = Path.Combine(checkpointDir, TokenizerConfigFile);
        if (!File.Exists(path)) return ChatFormat.None;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var template = TemplateOf(document.RootElement);
            return template is null ? ChatFormat.None : Detect(template);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path}: not valid JSON ({e.Message})", e);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{path}: {e.Message}", e);
        }
    }

    // chat_template is a string, or (newer files) a list of {name, template} where "default" is the chat one.
    private static string? TemplateOf(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("chat_template", out var t)) return null;
        return t.ValueKind switch
        {
            JsonValueKind.String => t.GetString(),
            JsonValueKind.Array => t.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                    && n.GetString() == "default")
                .Select(e => e.TryGetProperty("template", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null)
                .FirstOrDefault(),
            _ => null,
        };
    }
}
