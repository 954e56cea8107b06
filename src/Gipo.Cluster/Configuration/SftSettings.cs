namespace Gipo.Cluster.Configuration;

/// <summary>The <c>gipo.sft</c> section: the warm start a run does first when it names no base checkpoint.</summary>
public sealed record SftSettings(int Hidden, int Layers, int Heads, int Intermediate, int MaxSteps, double TargetPassAt1, int Batch,
                                 double LearningRate, double FinalLrFraction, int EvalEvery, int EvalPrompts)
{
    /// <summary>Reads and validates <c>gipo.sft</c>.</summary>
    public static SftSettings Read(GipoSettings settings)
    {
        var s = settings.Section("sft");
        var hidden = s.Int("hidden", 8);
        var heads = s.Int("heads", 1);
        if (hidden % heads != 0) throw new ArgumentException($"'gipo.sft.hidden' = {hidden} must be a multiple of 'gipo.sft.heads' = {heads}");
        return new SftSettings(hidden, s.Int("layers", 1), heads, s.Int("intermediate", 8), s.Int("max-steps", 1),
            s.Double("target-pass-at-1", 0, 1), s.Int("batch", 1), s.Double("lr", 1e-9, 1), s.Double("final-lr-fraction", 0, 1),
            s.Int("eval-every", 1), s.Int("eval-prompts", 1));
    }
}
