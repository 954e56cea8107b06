using Spectre.Console;

namespace Gipo.Cli;

/// <summary>
/// Progress of a long job on standard error (standard output stays free for results and <c>--json</c>):
/// a live Spectre.Console bar on a terminal, plain periodic lines when redirected (CI logs, pipes).
/// </summary>
internal sealed class ConsoleProgress
{
    private static readonly IAnsiConsole Err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static T Run<T>(string title, double maxValue, Func<Action<double, string, bool>, T> body)
    {
        if (Console.IsErrorRedirected)
        {
            // update(value, description, important): important lines (evaluations) always print.
            var last = DateTime.MinValue;
            return body((value, description, important) =>
            {
                if (!important && DateTime.UtcNow - last < TimeSpan.FromSeconds(10)) return;
                last = DateTime.UtcNow;
                Console.Error.WriteLine($"[{title}] {value}/{maxValue} {description}");
            });
        }
        T result = default!;
        Err.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: maxValue);
                result = body((value, description, _) =>
                {
                    task.Value = value;
                    task.Description = $"{title} {Markup.Escape(description)}";
                });
                task.Value = maxValue;
            });
        return result;
    }
}
