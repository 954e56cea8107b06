using System.Text.Json.Nodes;
using Gipo.Core.Tasks;
using Gipo.Model.Evaluation;

namespace Gipo.Model.Tests.Evaluation;

/// <summary><c>samples/step-NNNNNN.jsonl</c> (<see cref="EvalSampleLog"/>).</summary>
public sealed class EvalSampleLogTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-samples-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static IReadOnlyList<PromptOutcome> Outcomes(IReasoningTask task, out IReadOnlyList<Problem> problems)
    {
        problems = task.Sample(Split.RlTest, 3, 5);
        // Draw 0 of each prompt is its reference answer (correct); draw 1 is wrong.
        return problems.Select(p =>
        {
            var right = task.Solve(p, new Random(1))[0];
            string[] responses = [right, "A:nonsense"];
            return new PromptOutcome(p, responses, responses.Select(r => task.Verify(p, r).Correct).ToList(),
                [[1, 2, 3], [4, 5]], [[0.1f, 0.1f, 0.1f], [0.2f, 0.2f]]);
        }).ToList();
    }

    [Fact]
    public void Selects_across_prompts_first_with_prompt_response_and_reward()
    {
        var task = ReasoningTasks.Get("column-add");
        var outcomes = Outcomes(task, out var problems);
        var lines = EvalSampleLog.Select(outcomes, task, 4, 10);

        Assert.Equal([(0, 0), (1, 0), (2, 0), (0, 1)], lines.Select(l => ((int)l["prompt_index"]!, (int)l["sample_index"]!)));
        Assert.All(lines, l => Assert.Equal(10, (long)l["step"]!));
        Assert.Equal(problems[1].Prompt, (string)lines[1]["prompt"]!);
        Assert.Equal(outcomes[1].Responses[0], (string)lines[1]["response"]!);
        Assert.Equal(problems[1].Answer, (string)lines[1]["answer"]!);
        Assert.True((bool)lines[0]["correct"]!);
        Assert.Equal(1.0, (double)lines[0]["reward"]!);
        Assert.False((bool)lines[3]["correct"]!);
        Assert.Equal(0.0, (double)lines[3]["reward"]!);
        Assert.Equal(3, (int)lines[0]["response_tokens"]!);
        Assert.Equal(6, EvalSampleLog.Select(outcomes, task, 16, 10).Count); // all there are
    }

    [Fact]
    public void Writes_one_file_per_step_and_prune_drops_later_steps()
    {
        var task = ReasoningTasks.Get("column-add");
        var outcomes = Outcomes(task, out _);
        foreach (var step in new long[] { 0, 2, 4 }) EvalSampleLog.Write(dir, step, EvalSampleLog.Select(outcomes, task, 2, step));

        var file = Path.Combine(dir, "step-000002.jsonl");
        var lines = File.ReadAllLines(file).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(2, (long)l["step"]!));

        Assert.Equal(2, EvalSampleLog.Prune(dir, 0));
        Assert.Equal(["step-000000.jsonl"], Directory.GetFiles(dir).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(dir, ".*")); // no temp file left behind
    }
}
