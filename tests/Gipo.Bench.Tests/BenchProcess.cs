using System.Diagnostics;

namespace Gipo.Bench.Tests;

/// <summary>Runs the real <c>gipo-bench</c> command in a child process, as a user would.</summary>
internal static class BenchProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string LastLine => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
    }

    public static Result Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, string? workingDirectory = null,
                             int timeoutSeconds = 300)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "gipo-bench.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory
            ?? AppContext.BaseDirectory };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"gipo-bench {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
