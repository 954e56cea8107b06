using Gipo.Model.Native;

namespace Gipo.Cli;

/// <summary>Turns the expected failures of a command (bad input, missing files) into one clear line and exit code 1.</summary>
internal static class CommandErrors
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (NativeTorchException e)
        {
            Console.Error.WriteLine($"error: {e.Cause}\n  fix: {e.Fix}");
            return 3;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (TimeoutException e)
        {
            // Nothing was wrong with the input: nobody answered in time (gipo set on a run that is not going).
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
