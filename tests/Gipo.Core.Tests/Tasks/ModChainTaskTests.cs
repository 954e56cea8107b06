using Gipo.Core.Tasks;
using Gipo.Core.Verification;

namespace Gipo.Core.Tests.Tasks;

public class ModChainTaskTests
{
    private const string ExamplePrompt = "Q:MOD 5 *3+4 *2+1 M:7\n";
    private const string ExampleSolution = "5*3+4=19:5\n5*2+1=11:4\nA:4\n";

    private readonly ModChainTask task = new();

    private Problem Example => task.TryParse(ExamplePrompt, out var instance) ? task.ToProblem(instance) : throw new InvalidOperationException();

    [Fact]
    public void Solves_the_example()
    {
        Assert.Equal("4", Example.Answer);
        Assert.Equal([ExampleSolution], task.Solve(Example, new Random(0)));
        Assert.Equal(VerificationResult.Pass(), task.Verify(Example, ExampleSolution));
    }

    [Theory]
    [InlineData("5*3+4=19:5\n5*2+1=11:4\nA:5\n", 0.0, "answer 5 but expected 4")]
    [InlineData("5*3+4=19:5\n5*2+1=11:4\n", 0.0, "no final A: line")]
    [InlineData("5*3+4=19:4\n5*2+1=11:4\nA:4\n", 1.0, "correct answer, but step 1: 5*3+4=19:4 but expected 5*3+4=19:5")]
    [InlineData("5*2+1=11:4\nA:4\n", 1.0, "correct answer, but step 1: 5*2+1=11:4 but expected 5*3+4=19:5")]
    public void Scores_on_the_final_answer_and_names_wrong_steps(string response, double score, string reason)
    {
        Assert.Equal(new VerificationResult(score, score > 0, reason), task.Verify(Example, response));
    }

    [Theory]
    [InlineData(Split.SftTrain, 2, 4)]
    [InlineData(Split.RlTrain, 2, 6)]
    [InlineData(Split.Ood, 7, 8)]
    public void Operation_counts_follow_the_split(Split split, int min, int max)
    {
        var counts = task.Sample(split, 1000, seed: 1).Select(p => p.Data!["ops"].Split(' ').Length).ToList();

        Assert.Equal(min, counts.Min());
        Assert.Equal(max, counts.Max());
    }

    [Theory]
    [InlineData("Q:MOD 5 *3+4 *2+1 M:0\n")]
    [InlineData("Q:MOD 5 M:7\n")]
    [InlineData("Q:MOD 5 *3-4 M:7\n")]
    [InlineData("Q:MOD 5 *3+4 M:7")]
    public void Rejects_malformed_prompts(string prompt)
    {
        Assert.False(task.TryParse(prompt, out _));
    }
}
