namespace Gipo.Core.Tasks;

/// <summary>One ModChain operation <c>x = (x * Multiplier + Addend) mod M</c>.</summary>
/// <param name="Multiplier">The factor.</param>
/// <param name="Addend">The increment.</param>
public sealed record ModChainOp(int Multiplier, int Addend)
{
    /// <summary>The prompt form, e.g. <c>*3+4</c>.</summary>
    public override string ToString() => $"*{Multiplier}+{Addend}";
}
