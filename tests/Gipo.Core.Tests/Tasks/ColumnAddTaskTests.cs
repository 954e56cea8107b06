using Gipo.Core.Tasks;
using Gipo.Core.Verification;

namespace Gipo.Core.Tests.Tasks;

public class ColumnAddTaskTests
{
    private const string ExampleSolution = "1+8+0=9\n2+6+0=8\n7+9+0=16\n4+0+1=5\nA:5689\n";

    private readonly ColumnAddTask task = new();

    private Problem Parse(string prompt) =>
        task.TryParse(prompt, out var instance) ? task.ToProblem(instance) : throw new ArgumentException(prompt);

    [Fact]
    public void Solves_the_spec_example_exactly()
    {
        var problem = Parse("Q:ADD 4721 968\n");

        Assert.Equal("5689", problem.Answer);
        Assert.Equal([ExampleSolution], task.Solve(problem, new Random(0)));
        Assert.Equal(new VerificationResult(1.0, true, "correct"), task.Verify(problem, ExampleSolution));
    }

    [Theory]
    [InlineData("Q:ADD 95 17\n", "5+7+0=12\n9+1+1=11\nA:112\n")]
    [InlineData("Q:ADD 968 4721\n", "8+1+0=9\n6+2+0=8\n9+7+0=16\n0+4+1=5\nA:5689\n")]
    [InlineData("Q:ADD 10 10\n", "0+0+0=0\n1+1+0=2\nA:20\n")]
    [InlineData("Q:ADD 99999 1\n", "9+1+0=10\n9+0+1=10\n9+0+1=10\n9+0+1=10\n9+0+1=10\nA:100000\n")]
    public void Final_carry_appears_only_in_the_answer(string prompt, string expected)
    {
        Assert.Equal(expected, Assert.Single(task.Solve(Parse(prompt), new Random(0))));
    }

    [Theory]
    [InlineData("1+8+0=9\n2+6+0=8\n7+9+0=16\n4+0+1=5\nA:5688\n", "answer 5688 but expected 5689")]
    [InlineData("1+8+0=9\n2+6+0=8\n7+9+0=16\n4+0+1=5\n", "no final A: line")]
    [InlineData("1+8+0=9\n2+6+0=8\n7+9+0=16\n4+0+1=5\nA:\n", "no final A: line")]
    [InlineData("A:5689\nA:5699\n", "answer 5699 but expected 5689; step 1: A:5689 but expected 1+8+0=9")]
    [InlineData("1+8+0=9\n2+6+0=8\n7+9+0=15\n4+0+1=5\nA:5589\n", "answer 5589 but expected 5689; step 3: 7+9+0=15 but expected 7+9+0=16")]
    public void Wrong_final_answers_score_zero(string response, string reason)
    {
        var result = task.Verify(Parse("Q:ADD 4721 968\n"), response);

        Assert.Equal(new VerificationResult(0.0, false, reason), result);
        Assert.Null(task.Canonical(Parse("Q:ADD 4721 968\n"), response));
    }

    [Theory]
    [InlineData("1+8+0=9\n2+6+0=8\n7+9+0=15\n4+0+1=5\nA:5689\n", "correct answer, but step 3: 7+9+0=15 but expected 7+9+0=16")]
    [InlineData("1+8+0=9\n2+6+0=8\n4+0+1=5\nA:5689\n", "correct answer, but step 3: 4+0+1=5 but expected 7+9+0=16")]
    [InlineData("1+8+0=9\n2+6+0=8\n7+9+0=16\nA:5689\n", "correct answer, but step 4 missing (expected 4+0+1=5)")]
    [InlineData("1+8+0=9\n2+6+0=8\n7+9+0=16\n4+0+1=5\n0+0+0=0\nA:5689\n", "correct answer, but unexpected line 5: 0+0+0=0")]
    [InlineData("A:5689\n", "correct answer, but step 1 missing (expected 1+8+0=9)")]
    [InlineData("A:1\nA:05689", "correct answer, but step 1: A:1 but expected 1+8+0=9")]
    public void Score_depends_only_on_the_final_answer_but_the_reason_names_wrong_steps(string response, string reason)
    {
        var result = task.Verify(Parse("Q:ADD 4721 968\n"), response);

        Assert.Equal(new VerificationResult(1.0, true, reason), result);
        Assert.Equal("5689", task.Canonical(Parse("Q:ADD 4721 968\n"), response));
    }

    [Theory]
    [InlineData(Split.SftTrain, 2, 5)]
    [InlineData(Split.SftTest, 2, 5)]
    [InlineData(Split.RlTrain, 2, 7)]
    [InlineData(Split.RlTest, 2, 7)]
    [InlineData(Split.Ood, 8, 9)]
    public void Operand_digit_counts_cover_the_split_range_independently(Split split, int min, int max)
    {
        var operands = task.Sample(split, 2000, seed: 1)
            .Select(p => (A: p.Data!["a"].Length, B: p.Data!["b"].Length))
            .ToList();

        Assert.Equal(min, operands.Min(o => Math.Min(o.A, o.B)));
        Assert.Equal(max, operands.Max(o => Math.Max(o.A, o.B)));
        Assert.Contains(operands, o => o.A == min && o.B == max);
        Assert.Contains(operands, o => o.A == max && o.B == min);
    }

    [Fact]
    public void Swapped_operands_share_a_split_key()
    {
        Assert.Equal(new ColumnAddInstance(4721, 968).SplitKey, new ColumnAddInstance(968, 4721).SplitKey);
    }

    [Theory]
    [InlineData("Q:ADD 4721 968")]
    [InlineData("Q:ADD 04721 968\n")]
    [InlineData("Q:ADD -4721 968\n")]
    [InlineData("Q:ADD +4721 968\n")]
    [InlineData("Q:ADD 4721  968\n")]
    [InlineData("Q:ADD 4721 968 1\n")]
    [InlineData("Q:ADD 1234567890123456789 1\n")]
    [InlineData("Q:CD 4721 968\n")]
    [InlineData("")]
    public void Rejects_malformed_prompts(string prompt)
    {
        Assert.False(task.TryParse(prompt, out _));
    }
}
