using System.Globalization;

namespace Gipo.Cli.Experiments;

/// <summary>
/// The pass@1 band an SFT warm start must end in: high enough that RL has a signal, low enough that it has room to
/// improve. The warm start stops at the first evaluation at or above <see cref="Low"/>; a result outside the band stops
/// the experiment, so no RL run starts from a warm start that is too weak or already too strong.
/// </summary>
public sealed record SftBand(double Low, double High)
{
    public bool Contains(double passAt1) => passAt1 >= Low && passAt1 <= High;

    /// <summary>
    /// Null when <paramref name="passAt1"/> is inside the band, else the error that names the value, the band and what
    /// went wrong (never reached the band within the step limit, or passed over it between two evaluations).
    /// </summary>
    public string? Check(string task, double passAt1, int steps, int maxSteps, string split)
    {
        if (Contains(passAt1)) return null;
        var value = passAt1.ToString("F3", CultureInfo.InvariantCulture);
        var band = $"[{Low.ToString("R", CultureInfo.InvariantCulture)}, {High.ToString("R", CultureInfo.InvariantCulture)}]";
        return passAt1 < Low
            ? $"SFT warm start of '{task}' ended at {split} pass@1 {value} after {steps} of {maxSteps} steps, below the band {band}: " +
              "it never reached the band (raise sft.max-steps or the learning rate, or lower the band)"
            : $"SFT warm start of '{task}' ended at {split} pass@1 {value} after {steps} steps, above the band {band}: " +
              "it passed over the band between two evaluations (lower sft.eval-every or the learning rate, or widen the band)";
    }
}
