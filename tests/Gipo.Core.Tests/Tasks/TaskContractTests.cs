using Gipo.Core.Tasks;

namespace Gipo.Core.Tests.Tasks;

public class TaskContractTests
{
    private static readonly Split[] AllSplits = Enum.GetValues<Split>();

    public static TheoryData<string, Split> TaskSplits()
    {
        var data = new TheoryData<string, Split>();
        foreach (var name in ReasoningTasks.Names)
        {
            foreach (var split in AllSplits)
            {
                data.Add(name, split);
            }
        }

        return data;
    }

    public static TheoryData<string> TaskNames() => [.. ReasoningTasks.Names];

    [Theory]
    [MemberData(nameof(TaskSplits))]
    public void Every_solver_solution_of_1000_problems_verifies_correct(string name, Split split)
    {
        var task = ReasoningTasks.Get(name);
        var rng = new Random(7);
        foreach (var problem in task.Sample(split, 1000, seed: 11))
        {
            var solutions = task.Solve(problem, rng);
            Assert.NotEmpty(solutions);
            Assert.Equal(solutions.Count, solutions.Distinct().Count());
            foreach (var solution in solutions)
            {
                var result = task.Verify(problem, solution);
                Assert.True(result.Correct, $"{problem.Prompt}{solution}=> {result.Reason}");
                Assert.Equal(1.0, result.Score);
                Assert.Equal("correct", result.Reason);
                Assert.EndsWith($"A:{problem.Answer}\n", solution);
                Assert.NotNull(task.Canonical(problem, solution));
            }

            Assert.Equal(solutions.Count, solutions.Select(s => task.Canonical(problem, s)).Distinct().Count());
        }
    }

    [Theory]
    [MemberData(nameof(TaskSplits))]
    public void Problems_are_well_formed_and_distinct(string name, Split split)
    {
        var task = ReasoningTasks.Get(name);
        var problems = task.Sample(split, 500, seed: 3);

        Assert.Equal(500, problems.Select(p => p.Prompt).Distinct().Count());
        Assert.Equal(500, problems.Select(p => p.Id).Distinct().Count());
        Assert.All(problems, p =>
        {
            Assert.StartsWith("Q:", p.Prompt);
            Assert.EndsWith("\n", p.Prompt);
            Assert.Single(p.Prompt, '\n');
            Assert.StartsWith(name + "/", p.Id);
            Assert.NotNull(p.Data);
        });
    }

    [Theory]
    [MemberData(nameof(TaskSplits))]
    public void Same_seed_gives_the_same_problems(string name, Split split)
    {
        var task = ReasoningTasks.Get(name);

        var first = task.Sample(split, 200, seed: 5).Select(p => p.Prompt);
        var again = task.Sample(split, 200, seed: 5).Select(p => p.Prompt);
        var other = task.Sample(split, 200, seed: 6).Select(p => p.Prompt);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [MemberData(nameof(TaskNames))]
    public void Train_test_and_ood_splits_never_overlap(string name)
    {
        var task = ReasoningTasks.Get(name);
        HashSet<string> Prompts(Split split, int seed) => [.. task.Sample(split, 3000, seed).Select(p => p.Prompt)];

        var train = Prompts(Split.SftTrain, 1);
        train.UnionWith(Prompts(Split.RlTrain, 2));
        var test = Prompts(Split.SftTest, 3);
        test.UnionWith(Prompts(Split.RlTest, 4));
        var ood = Prompts(Split.Ood, 5);

        Assert.True(train.Count >= 5000, $"only {train.Count} distinct train prompts");
        Assert.Empty(train.Intersect(test));
        Assert.Empty(train.Intersect(ood));
        Assert.Empty(test.Intersect(ood));
    }

    [Fact]
    public void Generation_is_pinned_across_processes_and_machines()
    {
        // new Random(seed) is deterministic in .NET; these literals catch any accidental change to a generator.
        Assert.Equal(PinnedPrompts, ReasoningTasks.All.Select(task => task.Sample(Split.RlTrain, 1, seed: 42)[0].Prompt));
    }

    private static readonly string[] PinnedPrompts =
        ["Q:ADD 215127 27225\n", "Q:CD 3 4 10 15 T:220\n", "Q:SORT 1 1 5 1 2 7 5\n", "Q:MOD 1 *6+1 *4+7 M:11\n"];

    public static TheoryData<string, string> GarbageResponses()
    {
        var bytes = new byte[4096];
        new Random(99).NextBytes(bytes);
        string[] garbage =
        [
            "",
            "A:",
            "A:\n",
            "\n\n\n",
            "\0\0\0",
            System.Text.Encoding.Latin1.GetString(bytes),
            System.Text.Encoding.UTF8.GetString(bytes),
            new string('x', 100_000),
            "A:" + new string('9', 100_000) + "\n",
            new string('\n', 100_000) + "A:19\n",
            string.Concat(Enumerable.Repeat("1+1+1=3\n", 20_000)),
            "A:-1\n",
            "A:19\n",
            "A:19 A:\n",
            "A:\u0665\u0666\u0668\u0669\n",
            "\u00e9\u4e2d\ud83d\ude00 A: \u2028",
            "S 0 1:\nA:\n",
            "S:\n=\n+\n*\nA:19\n",
            "99999999999999999999999*99999999999999999999=1\nA:19\n",
            "1/0=0\nA:19\n",
        ];
        var data = new TheoryData<string, string>();
        foreach (var name in ReasoningTasks.Names)
        {
            foreach (var response in garbage)
            {
                data.Add(name, response);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GarbageResponses))]
    public void Garbage_scores_zero_without_throwing(string name, string response)
    {
        var task = ReasoningTasks.Get(name);
        foreach (var problem in task.Sample(Split.RlTest, 5, seed: 1).Append(task.Sample(Split.Ood, 1, seed: 1)[0]))
        {
            var result = task.Verify(problem, response);

            Assert.False(result.Correct);
            Assert.Equal(0.0, result.Score);
            Assert.False(string.IsNullOrWhiteSpace(result.Reason));
            Assert.True(result.Reason.Length < 200, result.Reason);
            Assert.Null(task.Canonical(problem, response));
        }
    }

    [Theory]
    [MemberData(nameof(TaskNames))]
    public void A_foreign_prompt_scores_zero_and_cannot_be_solved(string name)
    {
        var task = ReasoningTasks.Get(name);
        var foreign = new Problem("x", "Q:NOPE 1 2\n", "3");

        Assert.Equal(0.0, task.Verify(foreign, "A:3\n").Score);
        Assert.Throws<ArgumentException>(() => task.Solve(foreign, new Random(1)));
    }
}
