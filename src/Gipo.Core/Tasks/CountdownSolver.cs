namespace Gipo.Core.Tasks;

/// <summary>
/// Finds distinct Countdown solutions by iterative-deepening depth-first search, so the shortest solutions are
/// found first. Moves are tried in a random order, so different <see cref="Random"/> states give different paths.
/// </summary>
/// <remarks>
/// The search skips moves that cannot help: results equal to 0, and multiplying or dividing by 1 (which only
/// discards a number). A solution stops at the first step that produces the target, and every earlier step
/// must feed into it.
/// </remarks>
public static class CountdownSolver
{
    /// <summary>
    /// Up to <paramref name="maxSolutions"/> solutions with distinct canonical forms, in random order; empty when
    /// none exists. After <paramref name="nodeBudget"/> search nodes the search stops as soon as it has one.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<CountdownStep>> Solve(
        IReadOnlyList<int> numbers, int target, Random rng, int maxSolutions = 4, int nodeBudget = 100_000)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSolutions, 1);

        var search = new Search(target, rng, maxSolutions, nodeBudget);
        var pool = numbers.Select(n => new Entry(n, -1)).ToList();
        for (var depth = 1; depth < pool.Count && !search.Done; depth++)
        {
            search.Visit(pool, depth);
        }

        var solutions = search.Solutions.ToArray();
        rng.Shuffle(solutions);
        return solutions;
    }

    /// <summary>The canonical form of a step sequence: its canonical step lines, sorted, joined by spaces.</summary>
    public static string CanonicalForm(IEnumerable<CountdownStep> steps) =>
        string.Join(' ', steps.Select(step => step.CanonicalText).Order(StringComparer.Ordinal));

    /// <summary>Whether <c>big op small</c> (big &gt;= small) can help: no zero results, no multiplying or dividing by 1.</summary>
    internal static bool Useful(long big, char op, long small) => op switch
    {
        '-' => big != small,
        '*' or '/' => small != 1,
        _ => true,
    };

    private sealed class Search(long target, Random rng, int maxSolutions, int nodeBudget)
    {
        private readonly List<CountdownStep> path = [];
        private readonly List<(int, int)> inputs = [];
        private readonly HashSet<string> canonical = new(StringComparer.Ordinal);
        private int nodes;

        public List<IReadOnlyList<CountdownStep>> Solutions { get; } = [];

        public bool Done => Solutions.Count >= maxSolutions || (this.nodes >= nodeBudget && Solutions.Count > 0);

        public void Visit(List<Entry> pool, int depth)
        {
            this.nodes++;
            foreach (var (i, j, step) in Moves(pool))
            {
                if (Done)
                {
                    return;
                }

                var hitsTarget = step.Result == target;
                this.path.Add(step);
                inputs.Add((pool[i].Step, pool[j].Step));
                if (this.path.Count == depth)
                {
                    if (hitsTarget)
                    {
                        Record();
                    }
                }
                else if (!hitsTarget)
                {
                    // A path that hits the target earlier was already recorded by a shallower pass.
                    Visit(Apply(pool, i, j, new Entry(step.Result, this.path.Count - 1)), depth);
                }

                this.path.RemoveAt(this.path.Count - 1);
                inputs.RemoveAt(inputs.Count - 1);
            }
        }

        // Keeps only paths where every step feeds the final one: a detour step is legal but makes a padded
        // demonstration that would also count as a spurious "distinct" solution.
        private void Record()
        {
            var used = new bool[this.path.Count];
            foreach (var (a, b) in inputs)
            {
                if (a >= 0)
                {
                    used[a] = true;
                }

                if (b >= 0)
                {
                    used[b] = true;
                }
            }

            if (used[..^1].All(u => u) && this.canonical.Add(CanonicalForm(this.path)))
            {
                Solutions.Add([.. this.path]);
            }
        }

        private (int I, int J, CountdownStep Step)[] Moves(List<Entry> pool)
        {
            var seen = new HashSet<(long, char, long)>();
            var moves = new List<(int, int, CountdownStep)>();
            for (var i = 0; i < pool.Count; i++)
            {
                for (var j = i + 1; j < pool.Count; j++)
                {
                    var (big, small) = pool[i].Value >= pool[j].Value ? (pool[i].Value, pool[j].Value) : (pool[j].Value, pool[i].Value);
                    foreach (var op in "+-*/")
                    {
                        if (Useful(big, op, small)
                            && CountdownStep.Evaluate(big, op, small, out _) is { } result
                            && seen.Add((big, op, small)))
                        {
                            moves.Add((i, j, new CountdownStep(big, op, small, result)));
                        }
                    }
                }
            }

            var shuffled = moves.ToArray();
            rng.Shuffle(shuffled);
            return shuffled;
        }

        // The result goes first so that, among equal values, the move kept by Moves' de-duplication consumes the
        // produced value rather than a starting number.
        private static List<Entry> Apply(List<Entry> pool, int i, int j, Entry result)
        {
            var next = new List<Entry>(pool.Count - 1) { result };
            for (var k = 0; k < pool.Count; k++)
            {
                if (k != i && k != j)
                {
                    next.Add(pool[k]);
                }
            }

            return next;
        }
    }

    /// <summary>A number in the search pool and the index of the step that produced it (-1 for a starting number).</summary>
    private readonly record struct Entry(long Value, int Step);
}
