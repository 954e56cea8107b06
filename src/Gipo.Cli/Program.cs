using System.CommandLine;
using System.Globalization;
using Gipo.Model.Native;

namespace Gipo.Cli;

/// <summary>Entry point of the <c>gipo</c> command.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Numbers in output and options are culture-independent (ICU is on, so LANG would otherwise apply).
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            return Parse(args).Invoke();
        }
        catch (NativeTorchException e)
        {
            Console.Error.WriteLine($"error: {e.Cause}\n  fix: {e.Fix}");
            return 3;
        }
    }

    /// <summary>Every command of <c>gipo</c>.</summary>
    internal static RootCommand CreateRoot() =>
        new("Gipo: asynchronous actor-model RL (GIPO/GRPO/DAPO) for language-model policies.")
        {
            GenerateCommand.Create(),
            SftCommand.Create(),
            EvalCommand.Create(),
            TrainCommand.Create(),
            DatasetCommand.Create(),
            ExperimentCommand.Create(),
            NodeCommand.Create(),
            StatusCommand.Create(),
            SetCommand.Create(),
            RolloutsCommand.Create(),
            ReplayCommand.Create(),
        };

    /// <summary>
    /// Parses a command line. Response files are off: System.CommandLine would otherwise read any argument that
    /// starts with <c>@</c> as the path of a file of arguments, and a prompt (<c>--prompt "@user hi"</c>) or an
    /// override value is text, never a file.
    /// </summary>
    internal static ParseResult Parse(IReadOnlyList<string> args) =>
        CreateRoot().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
}
