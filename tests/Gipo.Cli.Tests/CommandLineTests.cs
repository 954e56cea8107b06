using System.CommandLine;
using Gipo.Cluster.Configuration;

namespace Gipo.Cli.Tests;

/// <summary>The parser of <c>gipo</c> and the commands that only resolve settings (no model, no run folder).</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-cmdline-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void A_prompt_starting_with_at_is_passed_through_as_text()
    {
        var parsed = Program.Parse(["generate", "--checkpoint", "ckpt", "--prompt", "@x"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal("@x", parsed.GetValue<string>("--prompt"));
        Assert.Equal("ckpt", parsed.GetValue<DirectoryInfo>("--checkpoint")!.Name);
    }

    [Fact]
    public void No_command_reads_an_at_argument_as_a_response_file()
    {
        const string token = "@gipo-no-such-response-file";
        static bool ReadAsResponseFile(ParseResult r) => r.Errors.Any(e => e.Message.Contains("esponse file", StringComparison.Ordinal));
        // The detector works: System.CommandLine's default configuration expands the token and fails on the missing file.
        Assert.True(ReadAsResponseFile(Program.CreateRoot().Parse(["generate", token])));

        var paths = CommandPaths(Program.CreateRoot(), []).ToList();
        Assert.Contains(["generate"], paths);
        Assert.Contains(["dataset", "example"], paths);
        // The harness is gipo-bench (bench/Gipo.Bench), not a part of the product program.
        Assert.DoesNotContain(paths, path => path[0] is "bench" or "chaos");
        Assert.All(paths, path =>
            Assert.False(ReadAsResponseFile(Program.Parse([.. path, token])), $"gipo {string.Join(' ', path)} {token}: read as a response file"));
    }

    private static IEnumerable<string[]> CommandPaths(Command command, string[] prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            string[] path = [.. prefix, sub.Name];
            yield return path;
            foreach (var deeper in CommandPaths(sub, path)) yield return deeper;
        }
    }

    [Fact]
    public void Train_print_config_prints_the_resolved_settings_and_creates_no_run_folder()
    {
        var runs = Path.Combine(dir, "runs");
        var baseDir = Path.Combine(dir, "base");
        string[] overrides = ["run.steps=7", "algorithm.optim.lr=3e-4"];
        var r = GipoProcess.Run(["train", "--config", "hocon/quickstart.conf", "--set", overrides[0], "--set", overrides[1],
            "--base", baseDir, "--runs-dir", runs, "--run-id", "printed", "--print-config"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.False(Directory.Exists(runs), "--print-config created the runs folder");

        Assert.Contains("gipo.run.steps = \"7\"", r.Stdout);
        Assert.Contains($"gipo.run.base-checkpoint = \"{baseDir}\"", r.Stdout);
        // What it printed is a run.conf: it loads back to exactly the settings a run with these options would have.
        var printed = Path.Combine(dir, "printed.conf");
        File.WriteAllText(printed, r.Stdout);
        var expected = GipoSettings.Load(Path.Combine(AppContext.BaseDirectory, "hocon", "quickstart.conf"),
            [.. overrides, $"run.base-checkpoint={baseDir}"]);
        Assert.Equal(expected.Flatten(), GipoSettings.Load(printed).Flatten());
        Assert.NotEqual(GipoSettings.Load().Flatten()["gipo.algorithm.optim.lr"], GipoSettings.Load(printed).Flatten()["gipo.algorithm.optim.lr"]);
    }

    [Fact]
    public void Train_print_config_rejects_an_unknown_key_by_name()
    {
        var runs = Path.Combine(dir, "runs");
        var r = GipoProcess.Run(["train", "--set", "run.stepz=7", "--runs-dir", runs, "--print-config"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("gipo.run.stepz", r.Stderr);
        Assert.Equal("", r.Stdout.Trim());
        Assert.False(Directory.Exists(runs));
    }
}
