using System.Text;

namespace Gipo.Core.Datasets;

/// <summary>
/// Renders chat messages as the prompt text of a model family, ending with the assistant's header so that the model
/// writes the answer next — what Hugging Face's <c>apply_chat_template(..., add_generation_prompt=True)</c> produces
/// with the family's template. No Jinja: each family's format is written out here (docs/datasets.md, "Chat formats").
/// </summary>
public static class ChatPrompt
{
    /// <summary>The roles a message may have.</summary>
    public static IReadOnlyList<string> Roles { get; } = ["system", "user", "assistant"];

    /// <summary>The prompt text of <paramref name="messages"/> in <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="format"/> is <see cref="ChatFormat.None"/> or <see cref="ChatFormat.Auto"/> (resolve it
    /// first).</exception>
    public static string Render(ChatFormat format, IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder();
        switch (format)
        {
            case ChatFormat.ChatMl:
                // Qwen2's template: <|im_start|>role\ncontent<|im_end|>\n per message, then the assistant's header.
                foreach (var m in messages) text.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
                text.Append("<|im_start|>assistant\n");
                break;
            case ChatFormat.Llama3:
                // Llama-3's template: the BOS token once, then each message's header, trimmed content and <|eot_id|>.
                // The template writes the BOS token itself, so the tokenizer must not add another (ours do not).
                text.Append("<|begin_of_text|>");
                foreach (var m in messages)
                    text.Append("<|start_header_id|>").Append(m.Role).Append("<|end_header_id|>\n\n").Append(m.Content.Trim()).Append("<|eot_id|>");
                text.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
                break;
            default:
                throw new ArgumentException($"chat format {format} does not render messages (use chatml or llama3)", nameof(format));
        }

        return text.ToString();
    }
}
