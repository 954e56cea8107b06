using System.Reflection;

namespace Gipo.Cli.Experiments;

/// <summary>
/// Calls the report writer of the aggregation side, <c>Gipo.Cli.Experiments.ExperimentReport.Write(string resultsDir,
/// ExperimentReportOptions options)</c> returning the files it wrote. It is bound by name at run time so that the
/// orchestration compiles, and runs, in a build that does not contain the writer yet (it then says so and the results
/// stay on disk for <c>gipo experiment --report-only</c>). Once both live in one build a direct call can replace this.
/// </summary>
public static class ExperimentReportEntryPoint
{
    public const string TypeName = "Gipo.Cli.Experiments.ExperimentReport";
    public const string MethodName = "Write";

    /// <summary>The writer's method in this build, or null if the build has none (or one with another signature).</summary>
    public static MethodInfo? Find()
    {
        var method = typeof(ExperimentReportEntryPoint).Assembly.GetType(TypeName)?.GetMethod(MethodName,
            BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(string), typeof(ExperimentReportOptions)]);
        return method is not null && typeof(IEnumerable<string>).IsAssignableFrom(method.ReturnType) ? method : null;
    }

    /// <summary>
    /// Writes the report of experiment <c>options.Name</c>, whose files are in <c>&lt;resultsDir&gt;/&lt;name&gt;/</c>
    /// (<paramref name="resultsDir"/> is the <c>--results-dir</c> folder, <c>results</c> by default); null when this
    /// build has no report writer.
    /// </summary>
    public static IReadOnlyList<string>? TryWrite(string resultsDir, ExperimentReportOptions options)
    {
        var method = Find();
        if (method is null) return null;
        try
        {
            return [.. (IEnumerable<string>)method.Invoke(null, [resultsDir, options])!];
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException); // the writer's own error, not the reflection wrapper
            throw;
        }
    }

    /// <summary>The report options of <paramref name="plan"/>.</summary>
    public static ExperimentReportOptions OptionsOf(ExperimentPlan plan) => new(
        plan.Name, [.. plan.Methods.Select(m => m.Name)], [.. plan.Tasks.Select(t => t.Name)], plan.Baselines, plan.PrimaryMetrics,
        plan.Evaluation.Splits, plan.Evaluation.Ks, plan.Evaluation.Budgets, plan.BootstrapResamples, plan.BootstrapSeed);
}
