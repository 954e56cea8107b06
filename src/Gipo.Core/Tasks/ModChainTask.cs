using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Gipo.Core.Verification;

namespace Gipo.Core.Tasks;

/// <summary>
/// ModChain: a second deterministic single-path task. Prompt <c>Q:MOD 5 *3+4 *2+1 M:7\n</c> means x=5, then
/// x=(x*3+4) mod 7, then x=(x*2+1) mod 7. Response one line per operation, <c>x*m+a=raw:reduced</c>
/// (<c>5*3+4=19:5</c>, <c>5*2+1=11:4</c>), then <c>A:4</c>. It reuses the characters of the other tasks.
/// </summary>
/// <remarks>
/// M in 5-13, multipliers 2-9, addends 0-9, start in 0..M-1. Operation count: SFT 2-4, RL 2-6, OOD 7-8.
/// Scored like ColumnAdd: on the last <c>A:</c> number only, with wrong steps named in the reason.
/// </remarks>
public sealed class ModChainTask : ReasoningTask<ModChainInstance>
{
    /// <inheritdoc />
    public override string Name => "mod-chain";

    /// <summary>Inclusive operation-count range for <paramref name="split"/>.</summary>
    public static (int Min, int Max) OpCountRange(Split split) => split switch
    {
        Split.SftTrain or Split.SftTest => (2, 4),
        Split.RlTrain or Split.RlTest => (2, 6),
        Split.Ood => (7, 8),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split"),
    };

    /// <inheritdoc />
    public override bool TryParse(string prompt, [NotNullWhen(true)] out ModChainInstance? instance)
    {
        instance = null;
        if (prompt is null || !prompt.StartsWith("Q:MOD ", StringComparison.Ordinal) || !prompt.EndsWith('\n'))
        {
            return false;
        }

        var fields = prompt["Q:MOD ".Length..^1].Split(' ');
        if (fields.Length < 3
            || !TryParseSmall(fields[0], out var start)
            || !fields[^1].StartsWith("M:", StringComparison.Ordinal)
            || !TryParseSmall(fields[^1]["M:".Length..], out var modulus)
            || modulus == 0)
        {
            return false;
        }

        var ops = new List<ModChainOp>();
        foreach (var field in fields[1..^1])
        {
            var plus = field.IndexOf('+');
            if (!field.StartsWith('*') || plus < 0
                || !TryParseSmall(field[1..plus], out var multiplier) || !TryParseSmall(field[(plus + 1)..], out var addend))
            {
                return false;
            }

            ops.Add(new ModChainOp(multiplier, addend));
        }

        instance = new ModChainInstance(start, ops, modulus);
        return instance.Prompt == prompt;
    }

    /// <inheritdoc />
    protected override ModChainInstance Draw(Split split, Random rng)
    {
        var (min, max) = OpCountRange(split);
        var modulus = rng.Next(5, 14);
        var start = rng.Next(modulus);
        var ops = Enumerable.Range(0, rng.Next(min, max + 1)).Select(_ => new ModChainOp(rng.Next(2, 10), rng.Next(10))).ToList();
        return new ModChainInstance(start, ops, modulus);
    }

    /// <inheritdoc />
    protected override IReadOnlyList<string> Solve(ModChainInstance instance, Random rng) => [instance.Solution()];

    /// <inheritdoc />
    protected override VerificationResult Verify(ModChainInstance instance, string response) =>
        SinglePathVerifier.Verify(response, instance.StepLines(), instance.Answer);

    /// <inheritdoc />
    // One valid path: every correct response is the same solution.
    protected override string Canonical(ModChainInstance instance, string response) => instance.Answer;

    // Prompt numbers are small; the cap keeps x*m+a far from overflow for any parsed prompt.
    private static bool TryParseSmall(string text, out int value)
    {
        value = 0;
        return text.Length <= 4 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
