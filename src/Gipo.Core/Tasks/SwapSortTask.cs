using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Gipo.Core.Verification;

namespace Gipo.Core.Tasks;

/// <summary>
/// SwapSort: many valid paths plus length efficiency. Prompt <c>Q:SORT 3 1 4 1 5\n</c>; response lines
/// <c>S i j:&lt;list after swap&gt;</c> (0-indexed, i &lt; j), then <c>A:&lt;sorted list&gt;</c>.
/// Values 0-9; length 5-7 for SFT and RL (one in-distribution range), 8 for OOD; already-sorted lists are redrawn.
/// </summary>
public sealed class SwapSortTask : ReasoningTask<SwapSortInstance>
{
    /// <inheritdoc />
    public override string Name => "swap-sort";

    /// <summary>Inclusive list-length range for <paramref name="split"/>.</summary>
    public static (int Min, int Max) LengthRange(Split split) => split switch
    {
        Split.SftTrain or Split.SftTest or Split.RlTrain or Split.RlTest => (5, 7),
        Split.Ood => (8, 8),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split"),
    };

    /// <inheritdoc />
    public override bool TryParse(string prompt, [NotNullWhen(true)] out SwapSortInstance? instance)
    {
        instance = null;
        if (prompt is null || !prompt.StartsWith("Q:SORT ", StringComparison.Ordinal) || !prompt.EndsWith('\n')
            || !TryParseList(prompt["Q:SORT ".Length..^1], out var values))
        {
            return false;
        }

        instance = new SwapSortInstance(values);
        return instance.Prompt == prompt;
    }

    /// <inheritdoc />
    protected override SwapSortInstance Draw(Split split, Random rng)
    {
        var (min, max) = LengthRange(split);
        while (true)
        {
            var values = Enumerable.Range(0, rng.Next(min, max + 1)).Select(_ => rng.Next(10)).ToArray();
            if (!IsSorted(values))
            {
                return new SwapSortInstance(values);
            }
        }
    }

    /// <inheritdoc />
    // Distinct solutions only, so the mixture is uniform over distinct paths when a sequence repeats.
    protected override IReadOnlyList<string> Solve(SwapSortInstance instance, Random rng) =>
    [
        .. new[]
        {
            SwapSortSolutions.SelectionSort(instance.Values),
            SwapSortSolutions.RandomMinimal(instance.Values, rng),
            SwapSortSolutions.RandomInversionReducing(instance.Values, rng),
        }
        .Select(instance.Response)
        .Distinct(StringComparer.Ordinal),
    ];

    /// <inheritdoc />
    protected override VerificationResult Verify(SwapSortInstance instance, string response)
    {
        if (!StepResponse.TryParse(response, out var parsed, out var reason))
        {
            return VerificationResult.Fail(reason);
        }

        var state = instance.Values.ToArray();
        for (var k = 0; k < parsed.Steps.Count; k++)
        {
            var issue = Apply(state, parsed.Steps[k]);
            if (issue is not null)
            {
                return VerificationResult.Fail($"step {k + 1}: {issue}");
            }
        }

        if (parsed.Answer != instance.Answer)
        {
            return VerificationResult.Fail($"answer {Excerpt.Of(parsed.Answer)} but expected {instance.Answer}");
        }

        return IsSorted(state)
            ? VerificationResult.Pass()
            : VerificationResult.Fail($"the swaps leave {string.Join(' ', state)}, not sorted");
    }

    /// <inheritdoc />
    // The swap sequence itself: any other correct response differs in the path.
    protected override string Canonical(SwapSortInstance instance, string response) =>
        StepResponse.TryParse(response, out var parsed, out _)
            ? string.Join(';', parsed.Steps.Select(VerifiedSwap))
            : throw new UnreachableException("Canonical is only called on verified responses");

    private static string VerifiedSwap(string line) =>
        TryParseSwap(line, out var i, out var j) ? $"{i} {j}" : throw new UnreachableException("verified step did not parse");

    // Applies one step line to the state; returns why it is wrong, or null.
    private static string? Apply(int[] state, string line)
    {
        if (!TryParseSwap(line, out var i, out var j))
        {
            return $"cannot parse {Excerpt.Of(line)}";
        }

        if (i >= j || j >= state.Length)
        {
            return $"swap {i} {j} needs 0 <= i < j < {state.Length}";
        }

        (state[i], state[j]) = (state[j], state[i]);
        var expected = string.Join(' ', state);
        var printed = line[(line.IndexOf(':') + 1)..];
        return printed == expected ? null : $"list {Excerpt.Of(printed)} but expected {expected}";
    }

    // Parses the "S i j:" head of a step line.
    private static bool TryParseSwap(string line, out int i, out int j)
    {
        i = j = 0;
        var colon = line.IndexOf(':');
        if (!line.StartsWith("S ", StringComparison.Ordinal) || colon < 2)
        {
            return false;
        }

        var indices = line[2..colon].Split(' ');
        return indices.Length == 2 && TryParseIndex(indices[0], out i) && TryParseIndex(indices[1], out j);
    }

    private static bool TryParseIndex(string text, out int value)
    {
        value = 0;
        return text.Length <= 3 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryParseList(string text, out int[] values)
    {
        values = [];
        var fields = text.Split(' ');
        var parsed = new int[fields.Length];
        for (var k = 0; k < fields.Length; k++)
        {
            if (fields[k].Length != 1 || !char.IsAsciiDigit(fields[k][0]))
            {
                return false;
            }

            parsed[k] = fields[k][0] - '0';
        }

        values = parsed;
        return true;
    }

    private static bool IsSorted(IReadOnlyList<int> values)
    {
        for (var k = 1; k < values.Count; k++)
        {
            if (values[k - 1] > values[k])
            {
                return false;
            }
        }

        return true;
    }
}
