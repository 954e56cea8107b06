using System.CommandLine;
using System.Globalization;
using Gipo.Model.Native;

namespace Gipo.Bench;

/// <summary>
/// Entry point of <c>gipo-bench</c>: the harness around the product (benchmarks, the native soak, chaos runs),
/// kept out of the <c>gipo</c> program and its assemblies.
/// </summary>
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

    /// <summary>Every command of <c>gipo-bench</c>.</summary>
    internal static RootCommand CreateRoot() =>
        new("gipo-bench: Gipo's benchmarks (our numbers beside a baseline measured in the same run), the native soak and the chaos runs.")
        {
            ModelBenchCommand.Create(),
            PipelineBenchCommand.Create(),
            WeightsBenchCommand.Create(),
            ClusterBenchCommand.Create(),
            SoakBenchCommand.Create(),
            ChaosCommand.Create(),
        };

    /// <summary>Parses a command line; response files are off, as in <c>gipo</c> (an argument starting with <c>@</c> is text).</summary>
    internal static ParseResult Parse(IReadOnlyList<string> args) =>
        CreateRoot().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
}
