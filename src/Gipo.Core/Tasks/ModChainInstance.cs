using System.Globalization;

namespace Gipo.Core.Tasks;

/// <summary>A ModChain instance: apply <see cref="Ops"/> to <see cref="Start"/>, reducing mod <see cref="Modulus"/> after each.</summary>
/// <param name="Start">The initial value of x.</param>
/// <param name="Ops">The operations, in order.</param>
/// <param name="Modulus">The modulus M.</param>
public sealed record ModChainInstance(int Start, IReadOnlyList<ModChainOp> Ops, int Modulus) : ITaskInstance
{
    /// <inheritdoc />
    public string Prompt => $"Q:MOD {Start} {string.Join(' ', Ops)} M:{Modulus}\n";

    /// <inheritdoc />
    public string Answer => Values().Last().ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public string SplitKey => Prompt;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Data => new Dictionary<string, string>
    {
        ["start"] = Start.ToString(CultureInfo.InvariantCulture),
        ["ops"] = string.Join(' ', Ops),
        ["modulus"] = Modulus.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>One line per operation, <c>x*m+a=raw:reduced</c>, e.g. <c>5*3+4=19:5</c> for M=7.</summary>
    public IReadOnlyList<string> StepLines()
    {
        var lines = new List<string>(Ops.Count);
        var x = (long)Start;
        foreach (var op in Ops)
        {
            var raw = x * op.Multiplier + op.Addend;
            var reduced = raw % Modulus;
            lines.Add($"{x}*{op.Multiplier}+{op.Addend}={raw}:{reduced}");
            x = reduced;
        }

        return lines;
    }

    /// <summary>The worked response: the step lines, then <c>A:x</c>.</summary>
    public string Solution() => string.Concat(StepLines().Select(line => line + "\n")) + $"A:{Answer}\n";

    // x after each operation, starting with the initial value.
    private IEnumerable<long> Values()
    {
        var x = (long)Start;
        yield return x;
        foreach (var op in Ops)
        {
            x = (x * op.Multiplier + op.Addend) % Modulus;
            yield return x;
        }
    }
}
