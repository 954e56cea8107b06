namespace Gipo.Core.Tasks;

/// <summary>
/// Minimum number of swaps that sort a list. For distinct values it is <c>L - #cycles</c> of the sorting permutation.
/// With repeated values, equal elements may go to any of their target positions; the minimum uses the assignment
/// with the most cycles, found here by enumerating assignments (cheap for the short lists of SwapSort).
/// </summary>
public static class SwapDistance
{
    /// <summary>Number of cycles (fixed points included) of a permutation of 0..n-1.</summary>
    public static int CycleCount(IReadOnlyList<int> permutation)
    {
        ArgumentNullException.ThrowIfNull(permutation);
        var visited = new bool[permutation.Count];
        var cycles = 0;
        for (var start = 0; start < permutation.Count; start++)
        {
            if (visited[start])
            {
                continue;
            }

            cycles++;
            for (var p = start; !visited[p]; p = permutation[p])
            {
                visited[p] = true;
            }
        }

        return cycles;
    }

    /// <summary>The sorting permutation of distinct values: <c>result[p]</c> is the sorted position of <c>values[p]</c>.</summary>
    public static int[] SortingPermutation(IReadOnlyList<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var order = Enumerable.Range(0, values.Count).OrderBy(p => values[p]).ToArray();
        var permutation = new int[values.Count];
        for (var rank = 0; rank < order.Length; rank++)
        {
            permutation[order[rank]] = rank;
        }

        return permutation;
    }

    /// <summary>The minimum number of swaps that sort <paramref name="values"/>; exact with repeated values too.</summary>
    public static int MinimumSwaps(IReadOnlyList<int> values) =>
        values.Count - CycleCount(OptimalAssignments(values)[0]);

    /// <summary>
    /// Every assignment of positions to sorted positions (<c>result[p]</c> = where the element at p goes) that has
    /// the most cycles. Elements already in place stay fixed, which never costs a cycle.
    /// </summary>
    public static IReadOnlyList<int[]> OptimalAssignments(IReadOnlyList<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        var assignment = new int[values.Count];
        var groups = new List<(int[] Sources, int[] Targets)>();
        foreach (var value in values.Distinct())
        {
            var sources = Misplaced(values, sorted, p => values[p] == value);
            var targets = Misplaced(values, sorted, p => sorted[p] == value);
            groups.Add((sources, targets));
        }

        for (var p = 0; p < values.Count; p++)
        {
            assignment[p] = p;
        }

        var best = new List<int[]>();
        var bestCycles = -1;
        Enumerate(0, new bool[values.Count]);
        return best;

        void Enumerate(int group, bool[] usedTargets)
        {
            if (group == groups.Count)
            {
                var cycles = CycleCount(assignment);
                if (cycles > bestCycles)
                {
                    (bestCycles, best) = (cycles, []);
                }

                if (cycles == bestCycles)
                {
                    best.Add([.. assignment]);
                }

                return;
            }

            Assign(group, 0, usedTargets);
        }

        void Assign(int group, int sourceIndex, bool[] usedTargets)
        {
            var (sources, targets) = groups[group];
            if (sourceIndex == sources.Length)
            {
                Enumerate(group + 1, usedTargets);
                return;
            }

            foreach (var target in targets)
            {
                if (!usedTargets[target])
                {
                    usedTargets[target] = true;
                    assignment[sources[sourceIndex]] = target;
                    Assign(group, sourceIndex + 1, usedTargets);
                    usedTargets[target] = false;
                }
            }
        }
    }

    private static int[] Misplaced(IReadOnlyList<int> values, int[] sorted, Func<int, bool> select) =>
        [.. Enumerable.Range(0, values.Count).Where(p => values[p] != sorted[p] && select(p))];
}
