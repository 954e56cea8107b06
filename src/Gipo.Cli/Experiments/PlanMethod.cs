namespace Gipo.Cli.Experiments;

/// <summary>One method of a plan: a preset file plus <c>--set</c> overrides, trained with each of its seeds.</summary>
/// <param name="Name">The method's key in the plan (part of every run id).</param>
/// <param name="Config">Full path of the preset (<c>gipo train --config</c>).</param>
/// <param name="Set">Its overrides, applied after the plan's and the task's.</param>
/// <param name="Seeds">Its seeds (the plan's unless it names its own).</param>
public sealed record PlanMethod(string Name, string Config, IReadOnlyList<string> Set, IReadOnlyList<int> Seeds);
