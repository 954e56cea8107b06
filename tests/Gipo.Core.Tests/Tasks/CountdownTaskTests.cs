using Gipo.Core.Tasks;
using Gipo.Core.Verification;

namespace Gipo.Core.Tests.Tasks;

public class CountdownTaskTests
{
    private const string ExamplePrompt = "Q:CD 3 7 25 50 T:75\n";

    private readonly CountdownTask task = new();

    private Problem Example => task.TryParse(ExamplePrompt, out var instance) ? task.ToProblem(instance) : throw new InvalidOperationException();

    [Theory]
    [InlineData("50+25=75\nA:75\n")]
    [InlineData("25+50=75\nA:75\n")]
    [InlineData("3*25=75\nA:75\n")]
    [InlineData("50-25=25\n25*3=75\nA:75\n")]
    [InlineData("7+3=10\n50+25=75\nA:75\n")]
    [InlineData("50+25=75\n7-3=4\nA:75\n")]
    [InlineData("50/25=2\n7*2=14\n14-3=11\nA:11\n", false)]
    public void Legal_step_sequences_reaching_the_target_are_correct(string response, bool reachesTarget = true)
    {
        Assert.Equal(reachesTarget, task.Verify(Example, response).Correct);
    }

    [Theory]
    [InlineData("3-7=-4\n50+25=75\nA:75\n", "step 1: 3-7=-4: negative result")]
    [InlineData("50/3=16\nA:75\n", "step 1: 50/3=16: division with remainder")]
    [InlineData("50/7=7\nA:75\n", "step 1: 50/7=7: division with remainder")]
    [InlineData("50+25=76\nA:76\n", "step 1: 50+25=76 but 50+25=75")]
    [InlineData("50+50=100\nA:75\n", "step 1: 50+50=100 uses a number that is not available")]
    [InlineData("75+0=75\nA:75\n", "step 1: 75+0=75 uses a number that is not available")]
    [InlineData("50+25=75\n75+3=78\nA:75\n", "answer 75 but the target was never produced")]
    [InlineData("A:75\n", "answer 75 but the target was never produced")]
    [InlineData("50+25=75\nA:74\n", "answer 74 but target 75")]
    [InlineData("50+25=75\n", "no final A: line")]
    [InlineData("50+25=75\nA:75\nthanks\n", "text after the A: line")]
    [InlineData("50 + 25 = 75\nA:75\n", "step 1: cannot parse 50 + 25 = 75")]
    [InlineData("50%25=0\nA:75\n", "step 1: 50%25=0: unknown operator '%'")]
    [InlineData("\n50+25=75\nA:75\n", "step 1: cannot parse ")]
    public void Illegal_or_incomplete_solutions_score_zero(string response, string reason)
    {
        Assert.Equal(VerificationResult.Fail(reason), task.Verify(Example, response));
        Assert.Null(task.Canonical(Example, response));
    }

    [Fact]
    public void A_repeated_number_can_be_used_as_often_as_it_occurs()
    {
        Assert.True(task.TryParse("Q:CD 5 5 9 T:19\n", out var instance));
        var problem = task.ToProblem(instance);

        Assert.True(task.Verify(problem, "5+5=10\n10+9=19\nA:19\n").Correct);
        Assert.False(task.Verify(problem, "9+9=18\n18+5=23\nA:19\n").Correct);
    }

    [Fact]
    public void Canonical_form_ignores_operand_order_of_commutative_steps_and_step_order()
    {
        var a = task.Canonical(Example, "25+50=75\nA:75\n");
        var b = task.Canonical(Example, "50+25=75\nA:75\n");
        var c = task.Canonical(Example, "3*25=75\nA:75\n");
        var d = task.Canonical(Example, "7+3=10\n50+25=75\nA:75\n");
        var e = task.Canonical(Example, "25+50=75\n3+7=10\nA:75\n");

        Assert.Equal("25+50=75", a);
        Assert.Equal(a, b);
        Assert.Equal("3*25=75", c);
        Assert.Equal("25+50=75 3+7=10", d);
        Assert.Equal(d, e);
    }

    [Fact]
    public void Solver_finds_several_distinct_shortest_solutions_first()
    {
        var solutions = task.Solve(Example, new Random(1));

        Assert.Equal(4, solutions.Count);
        var canonical = solutions.Select(s => task.Canonical(Example, s)).ToList();
        Assert.Equal(4, canonical.Distinct().Count());
        Assert.Contains("25+50=75", canonical);
        Assert.Contains("3*25=75", canonical);
    }

    [Fact]
    public void Solver_solutions_have_no_detour_steps()
    {
        var rng = new Random(3);
        foreach (var problem in task.Sample(Split.RlTrain, 300, seed: 4))
        {
            foreach (var solution in task.Solve(problem, rng))
            {
                var steps = solution.Split('\n')[..^2].Select(line => CountdownStep.TryParse(line, out var step) ? step : null).ToList();
                for (var k = 0; k < steps.Count - 1; k++)
                {
                    var result = steps[k]!.Result;
                    Assert.Contains(steps.Skip(k + 1), later => later!.Left == result || later.Right == result);
                }

                Assert.Equal(problem.Answer, steps[^1]!.Result.ToString());
            }
        }
    }

    [Fact]
    public void Solver_returns_nothing_for_an_unsolvable_instance()
    {
        Assert.Empty(CountdownSolver.Solve([1, 1], 5, new Random(0)));
    }

    [Theory]
    [InlineData(Split.SftTrain, 3, 5)]
    [InlineData(Split.RlTrain, 3, 5)]
    [InlineData(Split.RlTest, 3, 5)]
    [InlineData(Split.Ood, 6, 6)]
    public void Instances_follow_the_spec_ranges(Split split, int minCount, int maxCount)
    {
        int[] large = [25, 50, 75, 100];
        var instances = task.Sample(split, 1000, seed: 2)
            .Select(p => task.TryParse(p.Prompt, out var instance) ? instance : throw new InvalidOperationException(p.Prompt))
            .ToList();

        Assert.All(instances, instance =>
        {
            Assert.InRange(instance.Numbers.Count, minCount, maxCount);
            Assert.Equal(instance.Numbers.Order(), instance.Numbers);
            Assert.InRange(instance.Target, 1, CountdownTask.MaxTarget);
            Assert.DoesNotContain(instance.Target, instance.Numbers);
            Assert.True(instance.Numbers.Count(n => n > 25) <= 1);
            Assert.All(instance.Numbers.Where(n => n > 25), n => Assert.Contains(n, large));
        });
        Assert.Equal(minCount, instances.Min(i => i.Numbers.Count));
        Assert.Equal(maxCount, instances.Max(i => i.Numbers.Count));
    }

    [Theory]
    [InlineData(8, '-', 3, 5L, null)]
    [InlineData(3, '-', 7, null, "negative result")]
    [InlineData(9, '/', 3, 3L, null)]
    [InlineData(9, '/', 2, null, "division with remainder")]
    [InlineData(9, '/', 0, null, "division by zero")]
    [InlineData(999_999_999_999_999, '*', 999_999_999_999_999, null, "result too large")]
    public void Evaluate_applies_countdown_rules(long left, char op, long right, long? value, string? illegal)
    {
        Assert.Equal(value, CountdownStep.Evaluate(left, op, right, out var reason));
        Assert.Equal(illegal, reason);
    }

    [Theory]
    [InlineData("12+30=42", true)]
    [InlineData("3-7=-4", true)]
    [InlineData("-3+7=4", false)]
    [InlineData("3+=4", false)]
    [InlineData("=4", false)]
    [InlineData("34", false)]
    [InlineData("1234567890123456+1=1", false)]
    public void Step_lines_parse_strictly(string line, bool parses)
    {
        Assert.Equal(parses, CountdownStep.TryParse(line, out var step));
        if (parses)
        {
            Assert.Equal(line, step!.ToString());
        }
    }
}
