namespace Gipo.Core.Tasks;

/// <summary>The three kinds of SwapSort demonstrations of the SFT mixture, as swap sequences (i &lt; j).</summary>
public static class SwapSortSolutions
{
    /// <summary>Selection sort: for each position in turn, swap in the first smallest remaining element.</summary>
    public static IReadOnlyList<(int I, int J)> SelectionSort(IReadOnlyList<int> values)
    {
        var state = values.ToArray();
        var swaps = new List<(int, int)>();
        for (var i = 0; i < state.Length; i++)
        {
            var min = i;
            for (var j = i + 1; j < state.Length; j++)
            {
                if (state[j] < state[min])
                {
                    min = j;
                }
            }

            if (state[min] != state[i])
            {
                (state[i], state[min]) = (state[min], state[i]);
                swaps.Add((i, min));
            }
        }

        return swaps;
    }

    /// <summary>
    /// A random minimum-length sequence: take a random cycle-maximizing assignment, then repeatedly swap two random
    /// positions of one random non-trivial cycle, which splits it in two. Length = <see cref="SwapDistance.MinimumSwaps"/>.
    /// </summary>
    public static IReadOnlyList<(int I, int J)> RandomMinimal(IReadOnlyList<int> values, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var assignments = SwapDistance.OptimalAssignments(values);
        var destination = assignments[rng.Next(assignments.Count)].ToArray();
        var swaps = new List<(int, int)>();
        while (true)
        {
            var cycles = Cycles(destination).Where(cycle => cycle.Count > 1).ToList();
            if (cycles.Count == 0)
            {
                return swaps;
            }

            var cycle = cycles[rng.Next(cycles.Count)];
            var a = cycle[rng.Next(cycle.Count)];
            var b = cycle[(cycle.IndexOf(a) + 1 + rng.Next(cycle.Count - 1)) % cycle.Count];
            (destination[a], destination[b]) = (destination[b], destination[a]);
            swaps.Add((Math.Min(a, b), Math.Max(a, b)));
        }
    }

    /// <summary>
    /// A random, usually non-minimal sequence: repeatedly swap a random inverted pair (i &lt; j, v_i &gt; v_j),
    /// which always lowers the inversion count, until sorted.
    /// </summary>
    public static IReadOnlyList<(int I, int J)> RandomInversionReducing(IReadOnlyList<int> values, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var state = values.ToArray();
        var swaps = new List<(int, int)>();
        while (true)
        {
            var inversions = new List<(int, int)>();
            for (var i = 0; i < state.Length; i++)
            {
                for (var j = i + 1; j < state.Length; j++)
                {
                    if (state[i] > state[j])
                    {
                        inversions.Add((i, j));
                    }
                }
            }

            if (inversions.Count == 0)
            {
                return swaps;
            }

            var (a, b) = inversions[rng.Next(inversions.Count)];
            (state[a], state[b]) = (state[b], state[a]);
            swaps.Add((a, b));
        }
    }

    private static IEnumerable<List<int>> Cycles(int[] permutation)
    {
        var visited = new bool[permutation.Length];
        for (var start = 0; start < permutation.Length; start++)
        {
            var cycle = new List<int>();
            for (var p = start; !visited[p]; p = permutation[p])
            {
                visited[p] = true;
                cycle.Add(p);
            }

            if (cycle.Count > 0)
            {
                yield return cycle;
            }
        }
    }
}
