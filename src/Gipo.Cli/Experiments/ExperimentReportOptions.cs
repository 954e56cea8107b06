namespace Gipo.Cli.Experiments;

/// <summary>
/// What <see cref="ExperimentReport.Write"/> aggregates: the plan's name, its methods (in plan order), tasks,
/// baselines of the paired comparisons, pre-registered primary metrics, evaluation splits, pass@k values, token-budget
/// multipliers and the bootstrap's resample count and seed.
/// </summary>
/// <param name="MethodSeeds">The seeds the plan names per method (the "planned" counts); null: the seeds any run record names, for every
/// method.</param>
/// <param name="PrimaryMetrics">
/// Metric names: <c>&lt;split&gt;/pass@1</c>, <c>&lt;split&gt;/pass@&lt;k&gt;</c>, <c>&lt;split&gt;/distinct_correct</c>,
/// <c>&lt;split&gt;/greedy</c>, <c>&lt;split&gt;/budget@&lt;beta&gt;</c>, <c>auc_pass@1_vs_trajectories</c>,
/// <c>entropy_last10/b&lt;k&gt;</c>.
/// </param>
public sealed record ExperimentReportOptions(
    string Name,
    IReadOnlyList<string> Methods,
    IReadOnlyList<string> Tasks,
    IReadOnlyList<string> Baselines,
    IReadOnlyList<string> PrimaryMetrics,
    IReadOnlyList<string> Splits,
    IReadOnlyList<int> Ks,
    IReadOnlyList<double> Budgets,
    int BootstrapResamples,
    int BootstrapSeed,
    IReadOnlyDictionary<string, IReadOnlyList<int>>? MethodSeeds = null)
{
    /// <summary>The report options of <paramref name="plan"/>: its names and evaluation settings, in plan order.</summary>
    public static ExperimentReportOptions Of(ExperimentPlan plan) => new(
        plan.Name, [.. plan.Methods.Select(m => m.Name)], [.. plan.Tasks.Select(t => t.Name)], plan.Baselines, plan.PrimaryMetrics,
        plan.Evaluation.Splits, plan.Evaluation.Ks, plan.Evaluation.Budgets, plan.BootstrapResamples, plan.BootstrapSeed,
        plan.Methods.ToDictionary(m => m.Name, m => m.Seeds, StringComparer.Ordinal));
}
