namespace Gipo.Cli.Experiments;

/// <summary>What the report writer needs to know of a plan besides the files under its results folder.</summary>
/// <param name="Name">The experiment's name (its results folder).</param>
/// <param name="Methods">Methods in plan order (the table's rows).</param>
/// <param name="Tasks">Tasks in plan order.</param>
/// <param name="Baselines">Methods the paired deltas are taken against.</param>
/// <param name="PrimaryMetrics">The pre-registered primary metrics.</param>
/// <param name="Splits">Splits of the final evaluation (<c>eval-&lt;split&gt;.json(l)</c> of every run).</param>
/// <param name="Ks">The k of pass@k.</param>
/// <param name="Budgets">Token-budget multipliers β.</param>
/// <param name="BootstrapResamples">Bootstrap resamples of every confidence interval.</param>
/// <param name="BootstrapSeed">Seed of the bootstrap.</param>
public sealed record ExperimentReportOptions(
    string Name, IReadOnlyList<string> Methods, IReadOnlyList<string> Tasks, IReadOnlyList<string> Baselines,
    IReadOnlyList<string> PrimaryMetrics, IReadOnlyList<string> Splits, IReadOnlyList<int> Ks, IReadOnlyList<double> Budgets,
    int BootstrapResamples, int BootstrapSeed);
