using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Gipo.Core.Verification;

namespace Gipo.Core.Tasks;

/// <summary>
/// ColumnAdd: long, deterministic chains. Prompt <c>Q:ADD 4721 968\n</c>; response one line per column,
/// least significant first, <c>a_j+b_j+c_j=s_j</c>, then <c>A:5689</c>.
/// Operand digit counts are drawn independently: SFT 2-5, RL 2-7, OOD 8-9.
/// </summary>
public sealed class ColumnAddTask : ReasoningTask<ColumnAddInstance>
{
    private const int MaxOperandDigits = 18;

    /// <inheritdoc />
    public override string Name => "column-add";

    /// <summary>Inclusive digit-count range of each operand for <paramref name="split"/>.</summary>
    public static (int Min, int Max) DigitRange(Split split) => split switch
    {
        Split.SftTrain or Split.SftTest => (2, 5),
        Split.RlTrain or Split.RlTest => (2, 7),
        Split.Ood => (8, 9),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split"),
    };

    /// <inheritdoc />
    public override bool TryParse(string prompt, [NotNullWhen(true)] out ColumnAddInstance? instance)
    {
        instance = null;
        if (prompt is null || !prompt.StartsWith("Q:ADD ", StringComparison.Ordinal) || !prompt.EndsWith('\n'))
        {
            return false;
        }

        var operands = prompt["Q:ADD ".Length..^1].Split(' ');
        if (operands.Length != 2 || !TryParseOperand(operands[0], out var a) || !TryParseOperand(operands[1], out var b))
        {
            return false;
        }

        instance = new ColumnAddInstance(a, b);
        return instance.Prompt == prompt;
    }

    /// <inheritdoc />
    protected override ColumnAddInstance Draw(Split split, Random rng)
    {
        var (min, max) = DigitRange(split);
        return new ColumnAddInstance(RandomNumber(rng.Next(min, max + 1), rng), RandomNumber(rng.Next(min, max + 1), rng));
    }

    /// <inheritdoc />
    protected override IReadOnlyList<string> Solve(ColumnAddInstance instance, Random rng) => [instance.Solution()];

    /// <inheritdoc />
    protected override VerificationResult Verify(ColumnAddInstance instance, string response) =>
        SinglePathVerifier.Verify(response, instance.ColumnLines(), instance.Answer);

    /// <inheritdoc />
    // One valid path: every correct response is the same solution.
    protected override string Canonical(ColumnAddInstance instance, string response) => instance.Answer;

    private static long RandomNumber(int digits, Random rng)
    {
        long value = rng.Next(1, 10);
        for (var i = 1; i < digits; i++)
        {
            value = value * 10 + rng.Next(10);
        }

        return value;
    }

    // Round-tripping through ColumnAddInstance.Prompt rejects leading zeros and signs.
    private static bool TryParseOperand(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && text.Length <= MaxOperandDigits;
}
