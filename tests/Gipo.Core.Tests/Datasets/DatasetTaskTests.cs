using Gipo.Core.Datasets;
using Gipo.Core.Tasks;

namespace Gipo.Core.Tests.Datasets;

public sealed class DatasetTaskTests : IDisposable
{
    private readonly DatasetFiles files = new();

    public void Dispose() => files.Dispose();

    private (DatasetSplit Split, DatasetOptions Options) Load(ChatFormat chat = ChatFormat.None, string template = "Q: {prompt}\n",
                                                              string system = "")
    {
        var train = files.Write("train.jsonl",
            [.. Enumerable.Range(0, 20).Select(i => $$"""{"prompt": "{{i}}+1?", "answer": "{{i}}+1={{i + 1}}\n#### {{i + 1}}"}""")]);
        var test = files.Write("test.jsonl", """{"prompt": "[chat]", "answer": "#### 0"}""",
                               """{"prompt": [{"role": "user", "content": "9+9?"}], "answer": "#### 18"}""");
        var options = DatasetFiles.Options(train, test, chat: chat, template: template, system: system);
        return (DatasetSplit.Load(options with { ChatFormat = chat == ChatFormat.None ? ChatFormat.ChatMl : chat }), options);
    }

    [Fact]
    public void Plain_prompts_go_through_the_template_and_chat_formats_wrap_them_as_a_user_message()
    {
        var (split, options) = Load(ChatFormat.ChatMl, system: "Answer with ####.");
        var task = new DatasetTask(split, options, ChatFormat.ChatMl);
        Assert.Equal("<|im_start|>system\nAnswer with ####.<|im_end|>\n<|im_start|>user\nQ: 0+1?\n<|im_end|>\n<|im_start|>assistant\n",
                     task.Train[0].Prompt);
        Assert.Equal("<|im_start|>system\nAnswer with ####.<|im_end|>\n<|im_start|>user\n9+9?<|im_end|>\n<|im_start|>assistant\n",
                     task.Test[1].Prompt);

        var llama = new DatasetTask(split, options, ChatFormat.Llama3);
        Assert.StartsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nAnswer with ####.<|eot_id|>", llama.Test[1].Prompt);
    }

    [Fact]
    public void Chat_rows_without_a_chat_format_name_their_line()
    {
        var (split, options) = Load();
        var e = Assert.Throws<DatasetFormatException>(() => new DatasetTask(split, options, ChatFormat.None));
        Assert.StartsWith($"{options.Test}:2: prompt field 'prompt' holds chat messages, but the base checkpoint has no chat template", e.Message);
    }

    [Fact]
    public void Splits_map_to_the_files_and_sampling_is_seeded_and_capped_by_the_rows()
    {
        var (split, options) = Load(ChatFormat.ChatMl);
        var task = new DatasetTask(split, options with { ChatFormat = ChatFormat.None, Template = "{prompt}" }, ChatFormat.Llama3);
        var a = task.Sample(Split.RlTrain, 100, 7);
        Assert.Equal(20, a.Count);
        Assert.Equal(20, a.Select(p => p.Prompt).Distinct().Count());
        Assert.Equal(a, task.Sample(Split.SftTrain, 100, 7));
        Assert.NotEqual(a.Select(p => p.Id), task.Sample(Split.RlTrain, 100, 8).Select(p => p.Id));
        Assert.Equal(5, task.Sample(Split.RlTrain, 5, 7).Count);
        Assert.All(task.Sample(Split.RlTest, 10, 1), p => Assert.Contains(p, task.Test));
        Assert.Contains(task.Generate(Split.Ood, new Random(1)), task.Test);
    }

    [Fact]
    public void The_solution_is_the_sft_target_and_the_verifier_scores_against_the_gold()
    {
        var (split, options) = Load(ChatFormat.ChatMl);
        var task = new DatasetTask(split, options, ChatFormat.ChatMl);
        var problem = task.Train[3];
        Assert.Equal("4", problem.Answer);
        Assert.Equal(["3+1=4\n#### 4"], task.Solve(problem, new Random(0)));
        Assert.True(task.Verify(problem, task.Solve(problem, new Random(0))[0]).Correct);
        Assert.False(task.Verify(problem, "3+1=5\n#### 5").Correct);
        Assert.Equal("4", task.Canonical(problem, "#### 4"));
        Assert.Null(task.Canonical(problem, "#### 5"));
        Assert.StartsWith("dataset/", problem.Id);
        Assert.Throws<ArgumentException>(() => task.Solve(new Problem("x", "not in the file", "1"), new Random(0)));
    }
}
