namespace Gipo.Core.Tasks;

/// <summary>Registry of the synthetic tasks by name.</summary>
public static class ReasoningTasks
{
    /// <summary>Every registered task, in a fixed order.</summary>
    public static IReadOnlyList<IReasoningTask> All { get; } =
        [new ColumnAddTask(), new CountdownTask(), new SwapSortTask(), new ModChainTask()];

    /// <summary>The valid task names, in the order of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(task => task.Name)];

    /// <summary>The task called <paramref name="name"/> (e.g. <c>column-add</c>).</summary>
    /// <exception cref="ArgumentException">No task has that name; the message lists the valid names.</exception>
    public static IReasoningTask Get(string name) =>
        All.FirstOrDefault(task => task.Name == name)
        ?? throw new ArgumentException($"unknown task '{name}'; valid names: {string.Join(", ", Names)}", nameof(name));
}
