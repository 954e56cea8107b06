namespace Gipo.Bench.Pipeline;

/// <summary>What <c>gipo-bench pipeline</c> runs: the same training run at each η, one after the other.</summary>
/// <param name="BaseCheckpoint">The SFT checkpoint every run starts from.</param>
/// <param name="Preset">The preset (HOCON file) of every run; null: the defaults.</param>
/// <param name="OutRoot">Where the run folders go (<c>eta0/</c>, <c>eta2/</c>, …); they must not exist yet.</param>
/// <param name="Overrides"><c>--set</c> keys on top of the bench's own (<see cref="PipelineBenchmark.BenchDefaults"/>), the same for every η.</param>
public sealed record PipelineBenchmarkOptions(
    string BaseCheckpoint, string? Preset, string OutRoot, int Steps = 12, int Samplers = 1, IReadOnlyList<string>? Overrides = null,
    IReadOnlyList<int>? Etas = null)
{
    /// <summary>The staleness bounds compared: η = 0 (synchronous) and η = 2 unless set.</summary>
    public IReadOnlyList<int> EtaList => Etas ?? [0, 2];
}
