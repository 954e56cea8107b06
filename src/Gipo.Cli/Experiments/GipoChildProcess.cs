using System.Diagnostics;

namespace Gipo.Cli.Experiments;

/// <summary>
/// One <c>gipo</c> command in a child process (the same build as this process: its own <c>gipo.dll</c>), its standard
/// output and error appended line by line to a log file. Separate processes keep each run's torch threads, memory and
/// crashes its own, and each run resumable on its own.
/// </summary>
public sealed class GipoChildProcess
{
    /// <summary>How it ended: exit code, its last standard-output line (the <c>--json</c> result) and its last error lines.</summary>
    public sealed record Result(int ExitCode, string? LastOutputLine, IReadOnlyList<string> ErrorTail);

    private const int TailLines = 20;

    /// <summary>This build's <c>gipo.dll</c> (the assembly that is running).</summary>
    public static string GipoDll => typeof(GipoChildProcess).Assembly.Location;

    /// <summary>
    /// Runs <c>gipo <paramref name="args"/></c> with <paramref name="threads"/> as the OpenMP thread limit, appending its
    /// output to <paramref name="logFile"/>; cancelling kills it (every gipo command it runs here resumes after a kill).
    /// </summary>
    public static async Task<Result> RunAsync(IReadOnlyList<string> args, string logFile, int threads, CancellationToken cancel)
    {
        // Started through the same host as this process when it is `dotnet gipo.dll`; else the dotnet on the PATH.
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(GipoDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // run.torch-threads sets torch's intra-op pool; the OpenMP limit also covers pools created before it is applied.
        psi.Environment["OMP_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        await using var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var gate = new object();
        string? lastOutput = null;
        var tail = new Queue<string>();
        void Write(string line)
        {
            lock (gate) log.WriteLine(line);
        }
        await log.WriteLineAsync($"# {DateTimeOffset.UtcNow:O} gipo {string.Join(' ', args)}");

        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            Write(e.Data);
            if (e.Data.Length > 0) lock (gate) lastOutput = e.Data;
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            Write(e.Data);
            lock (gate)
            {
                tail.Enqueue(e.Data);
                if (tail.Count > TailLines) tail.Dequeue();
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(); // and its output drained before the log closes
            Write($"# {DateTimeOffset.UtcNow:O} killed: the experiment was interrupted");
            throw;
        }
        process.WaitForExit(); // drains the asynchronous output readers
        lock (gate) return new Result(process.ExitCode, lastOutput, [.. tail]);
    }
}
