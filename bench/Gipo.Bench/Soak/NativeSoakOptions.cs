namespace Gipo.Bench.Soak;

/// <summary>What <see cref="NativeSoak"/> runs.</summary>
/// <param name="BaseCheckpoint">SFT checkpoint every run starts from (the committed small fixture by default).</param>
/// <param name="Preset">Preset of the runs (hocon/quickstart.conf by default).</param>
/// <param name="OutRoot">Folder for the run folders <c>run-0001/</c>, ….</param>
/// <param name="Duration">How long to keep starting runs; the run under way at the deadline is finished.</param>
/// <param name="StepsPerRun">Learner steps of each run.</param>
/// <param name="GcPause">Pause between forced collections (zero: a tight loop).</param>
/// <param name="Overrides">Extra <c>--set</c> keys for every run.</param>
/// <param name="GcGeneration">Oldest generation each forced collection collects (0: the young objects only).</param>
public sealed record NativeSoakOptions(
    string BaseCheckpoint, string? Preset, string OutRoot, TimeSpan Duration, int StepsPerRun = 10, TimeSpan GcPause = default,
    IReadOnlyList<string>? Overrides = null, int GcGeneration = 0);
