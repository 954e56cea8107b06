using System.Diagnostics.CodeAnalysis;
using Gipo.Core.Verification;

namespace Gipo.Core.Tasks;

/// <summary>
/// Shared plumbing for tasks over a typed instance: the split partition, seeded distinct sampling, and parsing
/// a <see cref="Problem"/>'s prompt back into an instance before solving or verifying it.
/// </summary>
/// <typeparam name="TInstance">The task's instance type.</typeparam>
public abstract class ReasoningTask<TInstance> : IReasoningTask
    where TInstance : class, ITaskInstance
{
    // Held-out problems are 1 in 10, so 10k draws only run out when a range is broken.
    private const int MaxDrawsPerProblem = 10_000;

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public Problem Generate(Split split, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (var draw = 0; draw < MaxDrawsPerProblem; draw++)
        {
            var instance = Draw(split, rng);
            if (split == Split.Ood || SplitPartition.IsHeldOut(instance.SplitKey) == split.IsHeldOut())
            {
                return ToProblem(instance);
            }
        }

        throw new InvalidOperationException($"{Name}: no {split} problem found in {MaxDrawsPerProblem} draws");
    }

    /// <inheritdoc />
    public IReadOnlyList<Problem> Sample(Split split, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<Problem>(count);
        var duplicatesLeft = 100 * count + 1000;
        while (problems.Count < count)
        {
            var problem = Generate(split, rng);
            if (seen.Add(problem.Prompt))
            {
                problems.Add(problem);
            }
            else if (--duplicatesLeft == 0)
            {
                throw new InvalidOperationException($"{Name}: {split} has fewer than {count} distinct problems");
            }
        }

        return problems;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Solve(Problem problem, Random rng)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(rng);
        return TryParse(problem.Prompt, out var instance)
            ? Solve(instance, rng)
            : throw new ArgumentException($"not a {Name} prompt: {Excerpt.Of(problem.Prompt)}", nameof(problem));
    }

    /// <inheritdoc />
    public VerificationResult Verify(Problem problem, string response)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return TryParse(problem.Prompt, out var instance)
            ? Verify(instance, response ?? string.Empty)
            : VerificationResult.Fail($"not a {Name} prompt");
    }

    /// <inheritdoc />
    public string? Canonical(Problem problem, string response)
    {
        ArgumentNullException.ThrowIfNull(problem);
        response ??= string.Empty;
        return TryParse(problem.Prompt, out var instance) && Verify(instance, response).Correct
            ? Canonical(instance, response)
            : null;
    }

    /// <summary>Renders an instance as a <see cref="Problem"/>.</summary>
    public Problem ToProblem(TInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var id = $"{Name}/{StableHash.Fnv1a64(instance.Prompt):x16}";
        return new Problem(id, instance.Prompt, instance.Answer, instance.Data);
    }

    /// <summary>Parses a prompt of this task; <see langword="false"/> for anything that is not exactly such a prompt.</summary>
    public abstract bool TryParse(string prompt, [NotNullWhen(true)] out TInstance? instance);

    /// <summary>Draws an instance of the size range of <paramref name="split"/>, ignoring the train/test partition.</summary>
    protected abstract TInstance Draw(Split split, Random rng);

    /// <summary>Worked solutions of <paramref name="instance"/>.</summary>
    protected abstract IReadOnlyList<string> Solve(TInstance instance, Random rng);

    /// <summary>Scores <paramref name="response"/>; must not throw.</summary>
    protected abstract VerificationResult Verify(TInstance instance, string response);

    /// <summary>Canonical form of a response already verified correct.</summary>
    protected abstract string Canonical(TInstance instance, string response);
}
