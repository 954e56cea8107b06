using System.Text.Json;
using Xunit.Abstractions;

namespace Gipo.Cli.Tests;

/// <summary>
/// Issue 11, item 10, through the real <c>gipo</c> command: a resume whose newest checkpoint is damaged rolls back to
/// the newest valid one (journaled: the audit stays clean) and finishes; <c>--from-checkpoint</c> starts a resume from
/// an older checkpoint of the run, and refuses one that is not valid or not the run's.
/// </summary>
public sealed class CheckpointFallbackTests(ITestOutputHelper output) : IDisposable
{
    private readonly string runs = Directory.CreateTempSubdirectory("gipo-fallback-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(runs, true); }
        catch (IOException) { } // best effort
    }

    private static string Preset => Path.Combine(AppContext.BaseDirectory, "hocon", "quickstart.conf");

    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small");

    /// <summary>Four learner steps from the committed fixture, a checkpoint every second step.</summary>
    private string[] Short(string id) =>
    [
        "train", "--config", Preset, "--base", Fixture, "--run-id", id, "--runs-dir", runs,
        "--set", "run.steps=4", "--set", "run.checkpoint-every=2", "--set", "run.eval-every=0", "--set", "run.eval-prompts=4",
        "--set", "run.eval-samples=1", "--set", "run.prompt-count=16", "--set", "algorithm.batch.groups-per-step=2",
        "--set", "algorithm.batch.group-size=4", "--set", "algorithm.batch.max-new-tokens=24", "--set", "algorithm.optim.minibatches=1",
        "--set", "algorithm.dynamic-sampling.enabled=off",
    ];

    private static void Corrupt(string checkpoint)
    {
        var weights = Path.Combine(checkpoint, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^3] ^= 0x5a;
        File.WriteAllBytes(weights, bytes);
    }

    private JsonElement Status(string id)
    {
        var status = GipoProcess.Run(["status", "--run", Path.Combine(runs, id), "--json"], timeoutSeconds: 120);
        Assert.True(status.ExitCode == 0, status.Stderr);
        output.WriteLine(status.LastLine);
        return JsonDocument.Parse(status.LastLine).RootElement;
    }

    private static void AssertRefused(GipoProcess.Result r, string contains)
    {
        Assert.True(r.ExitCode != 0, $"exit 0, expected a refusal:\n{r.Stderr}");
        Assert.Contains(contains, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
    }

    [Fact(DisplayName = "a damaged newest checkpoint: --resume rolls back to the newest valid one, finishes, audit clean; " +
                        "--from-checkpoint picks an older one or is refused clearly")]
    public void Resume_falls_back_past_a_damaged_checkpoint()
    {
        var first = GipoProcess.Run([.. Short("fb"), "--json"], timeoutSeconds: 600);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var checkpoints = Path.Combine(runs, "fb", "checkpoints");
        var newest = JsonDocument.Parse(first.LastLine).RootElement.GetProperty("checkpoint").GetString()!;
        Assert.Equal(Path.Combine(checkpoints, "step-000004"), newest);
        Corrupt(newest);

        // The newest checkpoint fails its hash: the resume warns, naming it and why, and trains steps 3–4 again from step 2.
        var resumed = GipoProcess.Run(["train", "--resume", "fb", "--runs-dir", runs, "--json"], timeoutSeconds: 600);
        output.WriteLine(resumed.Stderr);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("the checkpoint of step 4", resumed.Stderr);
        Assert.Contains("model.safetensors sha256 mismatch", resumed.Stderr);
        Assert.Contains("rolled back to the checkpoint of step 2", resumed.Stderr);
        var retrained = JsonDocument.Parse(resumed.LastLine).RootElement;
        Assert.Equal(4, retrained.GetProperty("steps").GetInt64());
        Assert.NotEqual(newest, retrained.GetProperty("checkpoint").GetString());
        var status = Status("fb");
        Assert.True(status.GetProperty("audit").GetProperty("clean").GetBoolean(), status.ToString());
        Assert.Equal(4, status.GetProperty("step").GetInt64());
        Assert.Equal(1, status.GetProperty("audit").GetProperty("rollbacks").GetInt64());

        // An explicit older checkpoint of the run, by step: trained again from there, audit clean.
        var explicitly = GipoProcess.Run(["train", "--resume", "fb", "--runs-dir", runs, "--from-checkpoint", "2", "--json"], timeoutSeconds: 600);
        output.WriteLine(explicitly.Stderr);
        Assert.True(explicitly.ExitCode == 0, explicitly.Stderr);
        Assert.Contains("rolled back to the checkpoint of step 2", explicitly.Stderr);
        Assert.Contains("--from-checkpoint 2", explicitly.Stderr);
        status = Status("fb");
        Assert.True(status.GetProperty("audit").GetProperty("clean").GetBoolean(), status.ToString());
        Assert.Equal(4, status.GetProperty("step").GetInt64());
        Assert.Equal(2, status.GetProperty("audit").GetProperty("rollbacks").GetInt64());

        // Not a checkpoint of the run (no step 3; a folder elsewhere), not valid (damaged), or without --resume: refused.
        AssertRefused(GipoProcess.Run(["train", "--resume", "fb", "--runs-dir", runs, "--from-checkpoint", "3"], timeoutSeconds: 300),
            "--from-checkpoint 3: no checkpoint of step 3 is part of this run's journal");
        AssertRefused(GipoProcess.Run(["train", "--resume", "fb", "--runs-dir", runs, "--from-checkpoint", Fixture], timeoutSeconds: 300),
            "not a checkpoint of this run");
        Corrupt(Path.Combine(checkpoints, "step-000002"));
        AssertRefused(GipoProcess.Run(["train", "--resume", "fb", "--runs-dir", runs, "--from-checkpoint",
                                       Path.Combine(checkpoints, "step-000002")], timeoutSeconds: 300),
            "the checkpoint of step 2 is not valid");
        AssertRefused(GipoProcess.Run([.. Short("other"), "--from-checkpoint", "2"], timeoutSeconds: 120), "use it with --resume");
        // The refusals changed nothing: still finished at step 4 with a clean audit.
        status = Status("fb");
        Assert.True(status.GetProperty("audit").GetProperty("clean").GetBoolean(), status.ToString());
        Assert.Equal(4, status.GetProperty("step").GetInt64());
    }
}
