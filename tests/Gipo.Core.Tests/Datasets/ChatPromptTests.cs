using Gipo.Core.Datasets;

namespace Gipo.Core.Tests.Datasets;

public sealed class ChatPromptTests : IDisposable
{
    // The chat templates of Qwen2-0.5B-Instruct and Meta-Llama-3-8B-Instruct, as their tokenizer_config.json files hold them.
    private const string Qwen2Template =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful " +
            "assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% " +
            "endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private const string Llama3Template =
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + " +
            "'<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content " +
            "%}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt " +
            "%}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    private const string MistralTemplate = "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + " +
                                           "message['content'] + ' [/INST]' }}{% endif %}{% endfor %}";

    private static readonly ChatMessage[] Conversation = [new("system", "Be brief."), new("user", " What is 4+4? ")];

    private readonly string dir = Path.Combine(Path.GetTempPath(), $"gipo-chat-{Guid.NewGuid():N}");

    public ChatPromptTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void ChatMl_renders_as_the_qwen2_template_does_with_the_generation_prompt()
    {
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n What is 4+4? <|im_end|>\n<|im_start|>assistant\n",
            ChatPrompt.Render(ChatFormat.ChatMl, Conversation));
    }

    [Fact]
    public void Llama3_renders_the_bos_token_once_headers_and_trimmed_contents()
    {
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is 4+4?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            ChatPrompt.Render(ChatFormat.Llama3, Conversation));
    }

    [Fact]
    public void None_does_not_render_messages()
    {
        Assert.Throws<ArgumentException>(() => ChatPrompt.Render(ChatFormat.None, Conversation));
    }

    [Fact]
    public void The_family_is_recognised_from_the_template_and_an_unknown_one_is_refused_by_name()
    {
        Assert.Equal(ChatFormat.ChatMl, ChatTemplateFamily.Detect(Qwen2Template));
        Assert.Equal(ChatFormat.Llama3, ChatTemplateFamily.Detect(Llama3Template));
        var e = Assert.Throws<ArgumentException>(() => ChatTemplateFamily.Detect(MistralTemplate));
        Assert.StartsWith("chat template '{{ bos_token }}{% for message", e.Message);
        Assert.Contains("...' is not one Gipo renders", e.Message);
    }

    [Fact]
    public void A_checkpoint_without_a_template_is_plain_and_both_template_layouts_are_read()
    {
        Assert.Equal(ChatFormat.None, ChatTemplateFamily.FromCheckpoint(dir)); // no tokenizer_config.json
        var config = Path.Combine(dir, ChatTemplateFamily.TokenizerConfigFile);
        File.WriteAllText(config, """{"eos_token": "<eos>"}""");
        Assert.Equal(ChatFormat.None, ChatTemplateFamily.FromCheckpoint(dir));
        File.WriteAllText(config, System.Text.Json.JsonSerializer.Serialize(new { chat_template = Llama3Template }));
        Assert.Equal(ChatFormat.Llama3, ChatTemplateFamily.FromCheckpoint(dir));
        File.WriteAllText(config, System.Text.Json.JsonSerializer.Serialize(new
        {
            chat_template = new[] { new { name = "tool_use", template = Llama3Template }, new { name = "default", template = Qwen2Template } },
        }));
        Assert.Equal(ChatFormat.ChatMl, ChatTemplateFamily.FromCheckpoint(dir));
        File.WriteAllText(config, System.Text.Json.JsonSerializer.Serialize(new { chat_template = MistralTemplate }));
        Assert.StartsWith($"{config}: chat template", Assert.Throws<ArgumentException>(() => ChatTemplateFamily.FromCheckpoint(dir)).Message);
        File.WriteAllText(config, "{");
        Assert.StartsWith($"{config}: not valid JSON", Assert.Throws<ArgumentException>(() => ChatTemplateFamily.FromCheckpoint(dir)).Message);
    }
}
