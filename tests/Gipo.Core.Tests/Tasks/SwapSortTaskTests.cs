using Gipo.Core.Tasks;
using Gipo.Core.Verification;

namespace Gipo.Core.Tests.Tasks;

public class SwapSortTaskTests
{
    private const string SelectionSolution = "S 0 1:1 3 4 1 5\nS 1 3:1 1 4 3 5\nS 2 3:1 1 3 4 5\nA:1 1 3 4 5\n";

    private readonly SwapSortTask task = new();

    private Problem Parse(string prompt) =>
        task.TryParse(prompt, out var instance) ? task.ToProblem(instance) : throw new ArgumentException(prompt);

    [Fact]
    public void Solve_includes_the_selection_sort_solution_of_the_spec_example()
    {
        var problem = Parse("Q:SORT 3 1 4 1 5\n");

        Assert.Equal("1 1 3 4 5", problem.Answer);
        Assert.Equal(SelectionSolution, task.Solve(problem, new Random(0))[0]);
        Assert.Equal(VerificationResult.Pass(), task.Verify(problem, SelectionSolution));
        Assert.Equal("0 1;1 3;2 3", task.Canonical(problem, SelectionSolution));
    }

    [Theory]
    [InlineData("S 0 1:1 3 4 1 5\nS 1 3:1 1 4 3 5\nS 2 3:1 1 4 3 5\nA:1 1 3 4 5\n", "step 3: list 1 1 4 3 5 but expected 1 1 3 4 5")]
    [InlineData("S 0 1:1 3 4 1 5\nS 2 3:1 1 3 4 5\nA:1 1 3 4 5\n", "step 2: list 1 1 3 4 5 but expected 1 3 1 4 5")]
    [InlineData("S 0 1:1 3 4 1 5\nS 1 3:1 1 4 3 5\nA:1 1 3 4 5\n", "the swaps leave 1 1 4 3 5, not sorted")]
    [InlineData("A:1 1 3 4 5\n", "the swaps leave 3 1 4 1 5, not sorted")]
    [InlineData("S 1 0:1 3 4 1 5\nA:1 1 3 4 5\n", "step 1: swap 1 0 needs 0 <= i < j < 5")]
    [InlineData("S 0 0:3 1 4 1 5\nA:1 1 3 4 5\n", "step 1: swap 0 0 needs 0 <= i < j < 5")]
    [InlineData("S 0 5:1 3 4 1 5\nA:1 1 3 4 5\n", "step 1: swap 0 5 needs 0 <= i < j < 5")]
    [InlineData("S 0 1:1 3 4 1 5\nS 1 3:1 1 4 3 5\nS 2 3:1 1 3 4 5\nA:1 1 3 4 6\n", "answer 1 1 3 4 6 but expected 1 1 3 4 5")]
    [InlineData("S 0 1:1 3 4 1 5\nS 1 3:1 1 4 3 5\nS 2 3:1 1 3 4 5\nA:11345\n", "answer 11345 but expected 1 1 3 4 5")]
    [InlineData("S 0 1:1 3 4 1 5\nS 1 3:1 1 4 3 5\nS 2 3:1 1 3 4 5\n", "no final A: line")]
    [InlineData("S 0 1 1 3 4 1 5\nA:1 1 3 4 5\n", "step 1: cannot parse S 0 1 1 3 4 1 5")]
    [InlineData("S 0,1:1 3 4 1 5\nA:1 1 3 4 5\n", "step 1: cannot parse S 0,1:1 3 4 1 5")]
    public void Wrong_solutions_score_zero(string response, string reason)
    {
        var problem = Parse("Q:SORT 3 1 4 1 5\n");

        Assert.Equal(VerificationResult.Fail(reason), task.Verify(problem, response));
        Assert.Null(task.Canonical(problem, response));
    }

    [Fact]
    public void Swapping_equal_values_is_legal_but_counts_as_a_different_path()
    {
        var problem = Parse("Q:SORT 3 1 4 1 5\n");
        var detour = "S 1 3:3 1 4 1 5\n" + SelectionSolution;

        Assert.True(task.Verify(problem, detour).Correct);
        Assert.Equal("1 3;0 1;1 3;2 3", task.Canonical(problem, detour));
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3 }, 0)]
    [InlineData(new[] { 1, 0, 2, 3 }, 1)]
    [InlineData(new[] { 1, 2, 0 }, 2)]
    [InlineData(new[] { 1, 0, 3, 2 }, 2)]
    [InlineData(new[] { 4, 3, 2, 1, 0 }, 2)]
    [InlineData(new[] { 1, 2, 3, 4, 0 }, 4)]
    public void Minimum_swaps_of_a_permutation_is_length_minus_cycles(int[] permutation, int expected)
    {
        Assert.Equal(expected, permutation.Length - SwapDistance.CycleCount(permutation));
        Assert.Equal(expected, SwapDistance.MinimumSwaps(permutation));
    }

    [Fact]
    public void Minimum_swaps_equals_breadth_first_search_distance_for_all_permutations_of_six()
    {
        foreach (var permutation in Permutations([0, 1, 2, 3, 4, 5]))
        {
            Assert.Equal(BfsDistance(permutation), SwapDistance.MinimumSwaps(permutation));
            Assert.Equal(permutation, SwapDistance.SortingPermutation(permutation));
        }
    }

    [Fact]
    public void Minimum_swaps_with_repeated_values_equals_breadth_first_search_distance()
    {
        var rng = new Random(4);
        for (var trial = 0; trial < 500; trial++)
        {
            var values = Enumerable.Range(0, rng.Next(2, 8)).Select(_ => rng.Next(4)).ToArray();
            Assert.Equal(BfsDistance(values), SwapDistance.MinimumSwaps(values));
        }
    }

    [Fact]
    public void Random_minimal_solutions_have_minimum_length_and_the_others_do_not_undercut_it()
    {
        var rng = new Random(5);
        foreach (var problem in task.Sample(Split.RlTrain, 1000, seed: 6).Concat(task.Sample(Split.Ood, 300, seed: 6)))
        {
            var values = problem.Data!["values"].Split(' ').Select(int.Parse).ToArray();
            var minimum = SwapDistance.MinimumSwaps(values);

            Assert.Equal(minimum, SwapSortSolutions.RandomMinimal(values, rng).Count);
            Assert.True(SwapSortSolutions.RandomInversionReducing(values, rng).Count >= minimum);
            Assert.True(SwapSortSolutions.SelectionSort(values).Count >= minimum);
            Assert.All(SwapSortSolutions.RandomInversionReducing(values, rng), swap => Assert.True(swap.I < swap.J));
        }
    }

    [Fact]
    public void Selection_sort_is_minimal_for_distinct_values()
    {
        foreach (var permutation in Permutations([0, 1, 2, 3, 4, 5]))
        {
            Assert.Equal(SwapDistance.MinimumSwaps(permutation), SwapSortSolutions.SelectionSort(permutation).Count);
        }
    }

    [Fact]
    public void The_mixture_contains_non_minimal_demonstrations()
    {
        var rng = new Random(8);
        var longer = task.Sample(Split.SftTrain, 200, seed: 9)
            .SelectMany(p => task.Solve(p, rng).Select(s => (Problem: p, Solution: s)))
            .Count(x =>
                x.Solution.Count(c => c == 'S') > SwapDistance.MinimumSwaps(x.Problem.Data!["values"].Split(' ').Select(int.Parse).ToArray()));

        Assert.True(longer > 20, $"only {longer} non-minimal demonstrations");
    }

    [Theory]
    [InlineData(Split.SftTrain, 5, 7)]
    [InlineData(Split.RlTest, 5, 7)]
    [InlineData(Split.Ood, 8, 8)]
    public void Lengths_follow_the_spec(Split split, int min, int max)
    {
        var lengths = task.Sample(split, 1000, seed: 1).Select(p => p.Data!["values"].Split(' ').Length).ToList();

        Assert.Equal(min, lengths.Min());
        Assert.Equal(max, lengths.Max());
    }

    [Theory]
    [InlineData("Q:SORT 3 1 4 1 5")]
    [InlineData("Q:SORT 3 1 10 1 5\n")]
    [InlineData("Q:SORT 3 1 4 1 5 \n")]
    [InlineData("Q:SORT \n")]
    public void Rejects_malformed_prompts(string prompt)
    {
        Assert.False(task.TryParse(prompt, out _));
    }

    private static int BfsDistance(int[] start)
    {
        var goal = string.Join(' ', start.Order());
        var distance = new Dictionary<string, int> { [string.Join(' ', start)] = 0 };
        var queue = new Queue<int[]>([start]);
        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            var key = string.Join(' ', state);
            if (key == goal)
            {
                return distance[key];
            }

            for (var i = 0; i < state.Length; i++)
            {
                for (var j = i + 1; j < state.Length; j++)
                {
                    var next = (int[])state.Clone();
                    (next[i], next[j]) = (next[j], next[i]);
                    if (distance.TryAdd(string.Join(' ', next), distance[key] + 1))
                    {
                        queue.Enqueue(next);
                    }
                }
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }

        for (var k = 0; k < items.Length; k++)
        {
            var rest = items.Where((_, index) => index != k).ToArray();
            foreach (var tail in Permutations(rest))
            {
                yield return [items[k], .. tail];
            }
        }
    }
}
