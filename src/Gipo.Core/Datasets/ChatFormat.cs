namespace Gipo.Core.Datasets;

/// <summary>How a dataset prompt is wrapped before the model sees it (<c>gipo.dataset.chat-format</c>).</summary>
public enum ChatFormat
{
    /// <summary>No chat markup: the template's text as it is (plain-text prompts only).</summary>
    None,

    /// <summary>Taken from the base checkpoint's <c>tokenizer_config.json</c> <c>chat_template</c>; none there = <see cref="None"/>.</summary>
    Auto,

    /// <summary>ChatML, the Qwen2 family's format: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>.</summary>
    ChatMl,

    /// <summary>The Llama-3 header format: <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt;</c>.</summary>
    Llama3,
}
