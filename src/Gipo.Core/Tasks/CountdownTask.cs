using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Gipo.Core.Verification;

namespace Gipo.Core.Tasks;

/// <summary>
/// Countdown: search with many solutions. Prompt <c>Q:CD 3 7 25 50 T:75\n</c>; response steps <c>a op b=c</c> over
/// a multiset (each step removes a and b and adds c; <c>-</c> non-negative, <c>/</c> exact), then <c>A:75</c>.
/// </summary>
/// <remarks>
/// Instances: 3 or 4 numbers from 1-25, plus with probability 1/2 one of {25, 50, 75, 100}; numbers may repeat and
/// the prompt lists them in ascending order. The target is the value of a random expression over a random subset
/// (at least 2) of the numbers, so every instance is solvable; targets outside 1-999 or already in the list are
/// redrawn. The task has one in-distribution range (docs/algorithm.md §E.1), so the SFT and RL splits share it.
/// OOD: 5 numbers from 1-25 plus always one of {25, 50, 75, 100}, i.e. 6 numbers where train/test have at most 5.
/// </remarks>
public sealed class CountdownTask : ReasoningTask<CountdownInstance>
{
    /// <summary>Largest target generated (three digits).</summary>
    public const int MaxTarget = 999;

    private static readonly int[] LargeNumbers = [25, 50, 75, 100];

    /// <inheritdoc />
    public override string Name => "countdown";

    /// <inheritdoc />
    public override bool TryParse(string prompt, [NotNullWhen(true)] out CountdownInstance? instance)
    {
        instance = null;
        if (prompt is null || !prompt.StartsWith("Q:CD ", StringComparison.Ordinal) || !prompt.EndsWith('\n'))
        {
            return false;
        }

        var fields = prompt["Q:CD ".Length..^1].Split(' ');
        if (fields.Length < 2 || !fields[^1].StartsWith("T:", StringComparison.Ordinal))
        {
            return false;
        }

        var numbers = new List<int>();
        foreach (var field in fields[..^1])
        {
            if (!TryParseNumber(field, out var number))
            {
                return false;
            }

            numbers.Add(number);
        }

        if (!TryParseNumber(fields[^1]["T:".Length..], out var target))
        {
            return false;
        }

        instance = new CountdownInstance(numbers, target);
        return instance.Prompt == prompt;
    }

    /// <inheritdoc />
    protected override CountdownInstance Draw(Split split, Random rng)
    {
        var ood = split == Split.Ood;
        while (true)
        {
            var smallCount = ood ? 5 : rng.Next(3, 5);
            var numbers = Enumerable.Range(0, smallCount).Select(_ => rng.Next(1, 26)).ToList();
            if (ood || rng.Next(2) == 0)
            {
                numbers.Add(LargeNumbers[rng.Next(LargeNumbers.Length)]);
            }

            var target = RandomExpressionValue(numbers, rng);
            if (target is >= 1 and <= MaxTarget && !numbers.Contains((int)target))
            {
                numbers.Sort();
                return new CountdownInstance(numbers, (int)target);
            }
        }
    }

    /// <inheritdoc />
    protected override IReadOnlyList<string> Solve(CountdownInstance instance, Random rng) =>
        [.. CountdownSolver.Solve(instance.Numbers, instance.Target, rng).Select(instance.Response)];

    /// <inheritdoc />
    protected override VerificationResult Verify(CountdownInstance instance, string response)
    {
        if (!StepResponse.TryParse(response, out var parsed, out var reason))
        {
            return VerificationResult.Fail(reason);
        }

        var pool = instance.Numbers.Select(n => (long)n).ToList();
        for (var k = 0; k < parsed.Steps.Count; k++)
        {
            var issue = Apply(pool, parsed.Steps[k]);
            if (issue is not null)
            {
                return VerificationResult.Fail($"step {k + 1}: {issue}");
            }
        }

        var answer = Excerpt.Of(parsed.Answer);
        if (parsed.Answer != instance.Answer)
        {
            return VerificationResult.Fail($"answer {answer} but target {instance.Target}");
        }

        return pool.Contains(instance.Target)
            ? VerificationResult.Pass()
            : VerificationResult.Fail($"answer {answer} but the target was never produced");
    }

    /// <inheritdoc />
    protected override string Canonical(CountdownInstance instance, string response) =>
        StepResponse.TryParse(response, out var parsed, out _)
            ? CountdownSolver.CanonicalForm(parsed.Steps.Select(VerifiedStep))
            : throw new UnreachableException("Canonical is only called on verified responses");

    private static CountdownStep VerifiedStep(string line) =>
        CountdownStep.TryParse(line, out var step) ? step : throw new UnreachableException("verified step did not parse");

    // Applies one step line to the multiset; returns why it is illegal, or null.
    private static string? Apply(List<long> pool, string line)
    {
        if (!CountdownStep.TryParse(line, out var step))
        {
            return $"cannot parse {Excerpt.Of(line)}";
        }

        var text = Excerpt.Of(step.ToString());
        if (!pool.Remove(step.Left) || !pool.Remove(step.Right))
        {
            return $"{text} uses a number that is not available";
        }

        var value = CountdownStep.Evaluate(step.Left, step.Op, step.Right, out var illegal);
        if (value is null)
        {
            return $"{text}: {illegal}";
        }

        if (value != step.Result)
        {
            return $"{text} but {step.Left}{step.Op}{step.Right}={value}";
        }

        pool.Add(step.Result);
        return null;
    }

    // The value of a random expression over a random subset (at least 2) of the numbers, using the moves the solver uses.
    private static long RandomExpressionValue(List<int> numbers, Random rng)
    {
        var values = numbers.Select(n => (long)n).ToArray();
        rng.Shuffle(values);
        var operands = values.Take(rng.Next(2, values.Length + 1)).ToList();
        while (operands.Count > 1)
        {
            var i = rng.Next(operands.Count);
            var j = (i + 1 + rng.Next(operands.Count - 1)) % operands.Count;
            var (big, small) = (Math.Max(operands[i], operands[j]), Math.Min(operands[i], operands[j]));
            var ops = "+-*/".Where(op => CountdownSolver.Useful(big, op, small)
                && CountdownStep.Evaluate(big, op, small, out _) is not null).ToArray();
            var op = ops[rng.Next(ops.Length)];
            operands.RemoveAt(Math.Max(i, j));
            operands.RemoveAt(Math.Min(i, j));
            operands.Add(CountdownStep.Evaluate(big, op, small, out _)!.Value);
        }

        return operands[0];
    }

    private static bool TryParseNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
