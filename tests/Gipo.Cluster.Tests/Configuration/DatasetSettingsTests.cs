using Gipo.Cluster.Configuration;
using Gipo.Core.Datasets;

namespace Gipo.Cluster.Tests.Configuration;

public sealed class DatasetSettingsTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"gipo-dataset-settings-{Guid.NewGuid():N}");

    public DatasetSettingsTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Rows(int count)
    {
        var path = Path.Combine(dir, $"rows-{count}.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, count).Select(i => $$"""{"prompt": "{{i}}+1?", "answer": "#### {{i + 1}}"}"""));
        return path;
    }

    private static RunSettings Read(params string[] overrides) => RunSettings.Read(GipoSettings.Load(overrides: ["run.task=dataset", .. overrides]));

    [Fact]
    public void A_dataset_run_reads_its_rows_and_caps_the_prompt_count_by_them()
    {
        var run = Read($"dataset.train={Rows(40)}", "dataset.test-fraction=0.25", "dataset.template=Q: {prompt}\\n", "dataset.verifier=numeric");
        Assert.Equal(30, run.PromptCount);
        var (options, split) = run.Dataset!.Value;
        Assert.Equal(DatasetVerifierKind.Numeric, options.Verifier.Kind);
        Assert.Equal("Q: {prompt}\n", options.Template); // C escapes decoded
        Assert.Equal(10, split.Test.Count);
        var task = run.CreateTask(null);
        Assert.Equal(DatasetTask.TaskName, task.Name);
        Assert.Equal(30, task.Sample(run.TrainSplit, run.PromptCount, run.Seed).Count);
        Assert.StartsWith("Q: ", task.Sample(run.EvalSplit, 1, 0)[0].Prompt);

        Assert.Equal(4096, RunSettings.Read(GipoSettings.Load()).PromptCount); // built-in tasks keep prompt-count
        Assert.Null(RunSettings.Read(GipoSettings.Load()).Dataset);
    }

    [Fact]
    public void Bad_dataset_settings_name_the_key()
    {
        var rows = Rows(10);
        Assert.Contains("'gipo.dataset.verifier' = 'bleu' is not one of gsm8k, math, exact, numeric, regex",
            Assert.Throws<ArgumentException>(() => Read($"dataset.train={rows}", "dataset.verifier=bleu")).Message);
        Assert.Contains("'gipo.dataset.chat-format' = 'jinja' is not one of none, auto, chatml, llama3",
            Assert.Throws<ArgumentException>(() => Read($"dataset.train={rows}", "dataset.chat-format=jinja")).Message);
        Assert.Contains("'gipo.dataset.gsm8k-method' = 'loose' is not one of strict, flexible, boxed",
            Assert.Throws<ArgumentException>(() => Read($"dataset.train={rows}", "dataset.gsm8k-method=loose")).Message);
        Assert.StartsWith("'gipo.dataset.answer-pattern' = '(': answer pattern '(' is not a valid regular expression",
            Assert.Throws<ArgumentException>(() => Read($"dataset.train={rows}", "dataset.answer-pattern=(")).Message);
        Assert.Equal("'gipo.dataset.prompt-field' must name a field of the rows (it is empty)",
            Assert.Throws<ArgumentException>(() => Read($"dataset.train={rows}", "dataset.prompt-field=")).Message);
        Assert.Contains("unknown key(s) 'gipo.dataset.verifer'",
            Assert.Throws<ArgumentException>(() => Read($"dataset.train={rows}", "dataset.verifer=exact")).Message);
        Assert.Contains("or dataset (the files of gipo.dataset)",
            Assert.Throws<ArgumentException>(() => RunSettings.Read(GipoSettings.Load(overrides: ["run.task=datasets"]))).Message);
    }

    [Fact]
    public void Chat_format_auto_comes_from_the_base_checkpoints_template()
    {
        var checkpoint = Path.Combine(dir, "checkpoint");
        Directory.CreateDirectory(checkpoint);
        var run = Read($"dataset.train={Rows(10)}", "dataset.chat-format=auto");
        Assert.Equal(ChatFormat.None, ((DatasetTask)run.CreateTask(null)).Format); // the warm start: no checkpoint yet
        Assert.Equal(ChatFormat.None, ((DatasetTask)run.CreateTask(checkpoint)).Format); // no tokenizer_config.json
        File.WriteAllText(Path.Combine(checkpoint, "tokenizer_config.json"), """{"chat_template": "{{ '<|im_start|>' + message['role'] }}"}""");
        var task = (DatasetTask)run.CreateTask(checkpoint);
        Assert.Equal(ChatFormat.ChatMl, task.Format);
        Assert.StartsWith("<|im_start|>user\n", task.Train[0].Prompt);
        File.WriteAllText(Path.Combine(checkpoint, "tokenizer_config.json"), """{"chat_template": "[INST] {{ message }} [/INST]"}""");
        Assert.StartsWith("'gipo.dataset.chat-format' = auto: ", Assert.Throws<ArgumentException>(() => run.CreateTask(checkpoint)).Message);
    }
}
