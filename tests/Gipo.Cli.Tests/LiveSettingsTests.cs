using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Gipo.Cli.Tests;

/// <summary>
/// <c>gipo set</c> on a running <c>gipo train</c>, through real processes: η and the learning rate change mid-run, then
/// the run's length (it starts far too long, so the changes land whatever the machine's speed), the run is killed with
/// SIGKILL after the change took effect and resumed; the journal (<c>gipo status --json</c>), <c>metrics.jsonl</c> and
/// the ledger audit agree on the step each change took effect at, and refused changes leave nothing behind.
/// </summary>
public sealed class LiveSettingsTests(ITestOutputHelper output) : IDisposable
{
    private const int StartSteps = 200;
    private const string Run = "live";
    private readonly string runs = Directory.CreateTempSubdirectory("gipo-live-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(runs, true); }
        catch (IOException) { } // best effort
    }

    private string Folder => Path.Combine(runs, Run);

    [Fact(DisplayName = "gipo set changes η and lr mid-run; after SIGKILL and --resume the journal, metrics.jsonl and the audit agree on the step; " +
                        "refusals leave nothing")]
    public void Live_change_survives_kill_and_resume()
    {
        string[] start =
        [
            "train", "--config", Path.Combine(AppContext.BaseDirectory, "hocon", "quickstart.conf"),
            "--base", Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small"), "--run-id", Run, "--runs-dir", runs,
            "--set", $"run.steps={StartSteps}", "--set", "run.checkpoint-every=2", "--set", "run.eval-every=4", "--set", "run.eval-prompts=16",
            "--set", "run.eval-samples=1", "--set", "algorithm.batch.groups-per-step=4", "--set", "algorithm.batch.group-size=6",
            "--set", "algorithm.batch.max-new-tokens=48", "--set", "algorithm.optim.minibatches=2", "--set", "algorithm.optim.warmup-steps=0",
        ];
        using var train = Start(start);
        WaitForStep(train, 1);

        // Refused before anything is written: a key that cannot change live, and an invalid value (named with its key).
        var notLive = Set("algorithm.batch.group-size=4");
        Assert.Equal(1, notLive.ExitCode);
        Assert.Contains("'gipo.algorithm.batch.group-size' cannot change while a run is going", notLive.Stderr);
        var invalid = Set("algorithm.optim.lr=-1");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("'gipo.algorithm.optim.lr' = '-1'", invalid.Stderr);
        Assert.False(Directory.Exists(Path.Combine(Folder, "settings-requests")));
        Assert.Empty(Status().GetProperty("settings_changes").EnumerateArray());

        var set = Set("algorithm.off-policy.max-staleness=0", "algorithm.optim.lr=5e-5", "--json");
        Assert.True(set.ExitCode == 0, set.Stderr);
        var accepted = JsonDocument.Parse(set.LastLine).RootElement;
        var effective = accepted.GetProperty("effective_step").GetInt64();
        output.WriteLine($"accepted: {set.LastLine}");
        Assert.Equal("0", accepted.GetProperty("changes").GetProperty("gipo.algorithm.off-policy.max-staleness").GetString());
        Assert.Equal("5e-5", accepted.GetProperty("changes").GetProperty("gipo.algorithm.optim.lr").GetString());
        Assert.InRange(effective, 2, StartSteps);
        Assert.False(Directory.Exists(Path.Combine(Folder, "settings-requests")));

        // The run's length, a few steps past the first change.
        var steps = Math.Max(effective + 3, LastLoggedStep() + 6);
        var shorten = Set($"run.steps={steps}", "--json");
        Assert.True(shorten.ExitCode == 0, shorten.Stderr);
        var shortened = JsonDocument.Parse(shorten.LastLine).RootElement;
        var effective2 = shortened.GetProperty("effective_step").GetInt64();
        Assert.InRange(effective2, effective, steps);

        // SIGKILL once the first change is in the log (a step after it, so a checkpoint before it may be rolled back to).
        var killedAt = Math.Min(effective + 1, steps - 1);
        var finishedAlone = WaitForStep(train, killedAt);
        if (!finishedAlone)
        {
            train.Kill(entireProcessTree: false);
            train.WaitForExit();
        }
        var mid = Status();
        output.WriteLine($"after SIGKILL at step {killedAt}: {mid}");
        Assert.True(mid.GetProperty("audit").GetProperty("clean").GetBoolean(), mid.ToString());

        var resumed = GipoProcess.Run(["train", "--resume", Run, "--runs-dir", runs], timeoutSeconds: 600);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);

        // The journal: one change, at the step gipo set reported; the audit measured each step against its own η.
        var end = Status();
        output.WriteLine($"final: {end}");
        Assert.True(end.GetProperty("finished").GetBoolean());
        Assert.Equal(steps, end.GetProperty("step").GetInt64());
        Assert.Equal(steps, end.GetProperty("target_steps").GetInt64());
        var audit = end.GetProperty("audit");
        Assert.True(audit.GetProperty("clean").GetBoolean(), audit.ToString());
        var changes = end.GetProperty("settings_changes").EnumerateArray().ToList();
        Assert.Equal([effective, effective2], changes.Select(c => c.GetProperty("effective_step").GetInt64()));
        Assert.Equal([accepted.GetProperty("request_id").GetString(), shortened.GetProperty("request_id").GetString()],
            changes.Select(c => c.GetProperty("request_id").GetString()));

        // metrics.jsonl: every step once; settings_changed exactly on the effective step; each step trained with the
        // settings in force at it, and from the change on no batch is staler than the new η = 0.
        var lines = File.ReadAllLines(Path.Combine(Folder, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(0, (int)steps + 1).Select(i => (long)i), lines.Select(l => l.GetProperty("step").GetInt64()));
        foreach (var line in lines.Skip(1))
        {
            var step = line.GetProperty("step").GetInt64();
            var after = step >= effective;
            Assert.Equal(after ? 5e-5 : 1e-4, line.GetProperty("learning_rate").GetDouble(), 12);
            Assert.Equal(after ? 0 : 2, line.GetProperty("max_staleness").GetInt32());
            Assert.InRange(line.GetProperty("staleness_max").GetDouble(), 0, after ? 0 : 2);
            Assert.Equal(step == effective || step == effective2, line.TryGetProperty("settings_changed", out var changed));
            if (step == effective) Assert.Equal("5e-5", changed.GetProperty("gipo.algorithm.optim.lr").GetString());
            if (step == effective2) Assert.Equal(steps.ToString(), changed.GetProperty("gipo.run.steps").GetString());
        }

        // A finished run takes no more changes, and that refusal leaves nothing behind either.
        var late = Set("algorithm.optim.lr=1e-5");
        Assert.Equal(1, late.ExitCode);
        Assert.Contains("nothing can change", late.Stderr);
        Assert.False(Directory.Exists(Path.Combine(Folder, "settings-requests")));
        Assert.Equal(2, Status().GetProperty("settings_changes").GetArrayLength());
    }

    private GipoProcess.Result Set(params string[] args) =>
        GipoProcess.Run(["set", "--run", Run, "--runs-dir", runs, "--timeout", "120", .. args], timeoutSeconds: 300);

    private JsonElement Status()
    {
        var r = GipoProcess.Run(["status", "--run", Run, "--runs-dir", runs, "--json"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.LastLine).RootElement.Clone();
    }

    private static Process Start(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true,
                                                  WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "gipo.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        return p;
    }

    /// <summary>Waits until metrics.jsonl shows <paramref name="step"/>; true if the run exited first.</summary>
    private bool WaitForStep(Process run, long step)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (LastLoggedStep() < step)
        {
            if (run.WaitForExit(50)) return true;
            Assert.True(DateTime.UtcNow < deadline, $"step {step} was never logged");
        }
        return false;
    }

    private long LastLoggedStep()
    {
        var path = Path.Combine(Folder, "metrics.jsonl");
        if (!File.Exists(path)) return -1;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var last = -1L;
        foreach (var line in new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try { last = Math.Max(last, JsonDocument.Parse(line).RootElement.GetProperty("step").GetInt64()); }
            catch (JsonException) { } // a line being written
        }
        return last;
    }
}
