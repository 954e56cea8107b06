namespace Gipo.Cli.Experiments;

/// <summary>One run of a plan: a task, a method and a seed; its id <c>&lt;task&gt;.&lt;method&gt;.s&lt;seed&gt;</c> names its folder.</summary>
public sealed record PlannedRun(PlanTask Task, PlanMethod Method, int Seed)
{
    public string Id => $"{Task.Name}.{Method.Name}.s{Seed}";
}
