using Gipo.Core.Verification;

namespace Gipo.Core.Tasks;

/// <summary>A synthetic reasoning task: seeded problem generation, reference solutions and a programmatic verifier.</summary>
public interface IReasoningTask
{
    /// <summary>Registry name, e.g. <c>column-add</c>.</summary>
    string Name { get; }

    /// <summary>Draws one problem of <paramref name="split"/>; deterministic for a given <paramref name="rng"/> state.</summary>
    Problem Generate(Split split, Random rng);

    /// <summary>
    /// <paramref name="count"/> problems of <paramref name="split"/> with distinct prompts, drawn from <c>new Random(seed)</c>:
    /// the same arguments give the same list in any process on any machine.
    /// </summary>
    IReadOnlyList<Problem> Sample(Split split, int count, int seed);

    /// <summary>
    /// One or more distinct worked solutions: response text without EOS, each ending in <c>A:...\n</c>.
    /// Single-path tasks return one.
    /// </summary>
    /// <exception cref="ArgumentException">The problem's prompt is not a prompt of this task.</exception>
    IReadOnlyList<string> Solve(Problem problem, Random rng);

    /// <summary>Scores a model response. Never throws on any response text.</summary>
    VerificationResult Verify(Problem problem, string response);

    /// <summary>
    /// Canonical form of <paramref name="response"/> when it is correct (two correct responses that differ only
    /// inessentially share it), otherwise <see langword="null"/>. Used to count distinct correct solutions.
    /// </summary>
    string? Canonical(Problem problem, string response);
}
