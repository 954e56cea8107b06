using Gipo.Model.Training;

namespace Gipo.Cli;

/// <summary>SFT progress as console progress updates (synchronous; System.Progress would reorder lines).</summary>
internal sealed class SftProgressLines(Action<double, string, bool> update) : IProgress<SftProgress>
{
    private double lastEval = double.NaN;

    public void Report(SftProgress p)
    {
        if (p.EvalPassAt1 is { } e) lastEval = e;
        var eval = double.IsNaN(lastEval) ? "–" : lastEval.ToString("F3");
        update(p.Step, $"loss {p.Loss:F3} lr {p.LearningRate:E1} {p.TokensPerSecond:F0} tok/s pass@1 {eval}", p.EvalPassAt1 is not null);
    }
}
