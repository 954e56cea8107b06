namespace Gipo.Bench.Soak;

/// <summary>What a soak saw (<see cref="NativeSoak"/>).</summary>
/// <param name="Minutes">Wall time, start of the first run to the end of the last.</param>
/// <param name="Runs">Training runs started.</param>
/// <param name="FailedRuns">Runs that did not finish (their errors are in the log).</param>
/// <param name="Steps">Learner steps completed over all runs.</param>
/// <param name="SamplesGenerated">Trajectories the samplers generated over all runs.</param>
/// <param name="GcsForced">Full collections forced by <see cref="GcPressure"/>.</param>
/// <param name="Gen0Collections">Generation-0 collections of the process (forced ones included).</param>
/// <param name="NativeErrors">libtorch errors raised (<see cref="NativeErrorCounter"/>), recovered or not.</param>
/// <param name="ScalarErrors">Of those, freed-Scalar errors ("Unknown scalar type").</param>
/// <param name="FirstNativeError">The first native error's message, or null.</param>
public sealed record NativeSoakResult(
    double Minutes, int Runs, int FailedRuns, long Steps, long SamplesGenerated, long GcsForced, long Gen0Collections,
    long NativeErrors, long ScalarErrors, string? FirstNativeError)
{
    /// <summary>The final line: every number, key=value.</summary>
    public string Line() =>
        FormattableString.Invariant(
            $"soak: minutes={Minutes:F1} runs={Runs} failed_runs={FailedRuns} steps={Steps} samples={SamplesGenerated} gcs_forced={GcsForced} ") +
        FormattableString.Invariant($"gen0={Gen0Collections} native_errors={NativeErrors} scalar_errors={ScalarErrors}");
}
