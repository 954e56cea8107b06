namespace Gipo.Cli.Experiments;

/// <summary>One task of a plan: the reasoning task it trains on, its overrides and its SFT warm start.</summary>
/// <param name="Name">The task's key in the plan (part of every run id).</param>
/// <param name="ReasoningTask">The task the runs train on (<c>gipo.run.task</c> after the overrides).</param>
/// <param name="Set">Its overrides, applied after the plan's and before the method's.</param>
/// <param name="Sft">How its warm start is built, or which checkpoint is reused.</param>
public sealed record PlanTask(string Name, string ReasoningTask, IReadOnlyList<string> Set, SftWarmStartPlan Sft);
