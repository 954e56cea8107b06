using System.Text.Json;

namespace Gipo.Cli.Tests;

/// <summary><c>gipo bench pipeline</c> through the real process, on the committed small SFT checkpoint (about 25 s).</summary>
public sealed class PipelineBenchTests : IDisposable
{
    private static readonly string Base = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small");
    private static readonly string Preset = Path.Combine(AppContext.BaseDirectory, "hocon", "quickstart.conf");
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-bench-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { } // best effort
    }

    [Fact]
    public void Json_has_a_synchronous_and_an_asynchronous_row_and_the_run_folders_are_removed()
    {
        var r = GipoProcess.Run(["bench", "pipeline", "--base", Base, "--config", Preset, "--steps", "3", "--out", dir, "--json"],
                                timeoutSeconds: 240);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.LastLine);
        var root = json.RootElement;
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([0, 2], runs.Select(x => x.GetProperty("eta").GetInt32()));
        foreach (var run in runs)
        {
            Assert.Equal(1, run.GetProperty("window_steps").GetInt32());
            Assert.True(run.GetProperty("trajectories_per_s").GetDouble() > 0, run.ToString());
            Assert.InRange(run.GetProperty("learner_idle_fraction").GetDouble(), 0, 1);
            var m = run.GetProperty("messaging");
            Assert.True(m.GetProperty("mailbox_messages").GetInt64() > 0, m.ToString());
            Assert.True(m.GetProperty("gipo_distinct").GetInt64() > 0, m.ToString());
            Assert.InRange(m.GetProperty("share_of_window").GetDouble(), 0, 1);
        }
        Assert.Equal(0, runs[0].GetProperty("staleness_max").GetDouble()); // η = 0 trains on-policy only
        Assert.Contains("run.groups-per-lease=8", root.GetProperty("settings").EnumerateArray().Select(s => s.GetString()));
        Assert.True(root.GetProperty("speedup_trajectories_per_s").GetDouble() > 0);
        Assert.False(Directory.Exists(Path.Combine(dir, "eta0")));
        Assert.False(Directory.Exists(Path.Combine(dir, "eta2")));
    }

    [Fact]
    public void Setting_the_compared_key_is_refused()
    {
        var r = GipoProcess.Run(["bench", "pipeline", "--base", Base, "--config", Preset, "--out", dir, "--set",
                                 "algorithm.off-policy.max-staleness=1"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("max-staleness", r.Stderr);
    }
}
