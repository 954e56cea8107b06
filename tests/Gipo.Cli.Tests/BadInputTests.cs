using System.Diagnostics;
using System.Text.Json;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Runtime;
using Xunit.Abstractions;

namespace Gipo.Cli.Tests;

/// <summary>
/// Issue 11's bad-input and fault probes on one node, through the real <c>gipo</c> command: a broken config, a second
/// process on a run, a failed start, a resume without a journal, a damaged journal, a moved run folder.
/// </summary>
public sealed class BadInputTests(ITestOutputHelper output) : IDisposable
{
    private readonly string runs = Directory.CreateTempSubdirectory("gipo-bad-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(runs, true); }
        catch (IOException) { } // best effort
    }

    private static string Preset => Path.Combine(AppContext.BaseDirectory, "hocon", "quickstart.conf");

    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small");

    /// <summary>The smallest real run: one learner step from the committed fixture.</summary>
    private string[] Tiny(string id) =>
    [
        "train", "--config", Preset, "--base", Fixture, "--run-id", id, "--runs-dir", runs,
        "--set", "run.steps=1", "--set", "run.eval-prompts=4", "--set", "run.eval-samples=1", "--set", "run.prompt-count=8",
        "--set", "algorithm.batch.groups-per-step=2", "--set", "algorithm.batch.group-size=4", "--set", "algorithm.batch.max-new-tokens=24",
        "--set", "algorithm.optim.minibatches=1", "--set", "algorithm.dynamic-sampling.enabled=off",
    ];

    private static void AssertOneErrorLine(GipoProcess.Result r, int exitCode, string contains)
    {
        Assert.True(r.ExitCode == exitCode, $"exit {r.ExitCode}, expected {exitCode}:\n{r.Stderr}");
        Assert.Contains(contains, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
        Assert.StartsWith("error: ",
                          r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith("error: ", StringComparison.Ordinal)));
    }

    [Fact(DisplayName = "a malformed config is refused at once with file:line:column (it used to spin forever)")]
    public void Malformed_config_is_refused_with_its_position()
    {
        var conf = Path.Combine(runs, "bad.conf");
        File.WriteAllText(conf, "gipo.run { steps = [1, }\n");
        var clock = Stopwatch.StartNew();
        var r = GipoProcess.Run(["train", "--config", conf, "--base", Fixture, "--run-id", "x", "--runs-dir", runs], timeoutSeconds: 60);
        AssertOneErrorLine(r, 1, $"{conf}:1:24: not valid HOCON");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed.TotalSeconds:F0} s");
        Assert.False(Directory.Exists(Path.Combine(runs, "x")), "a refused start must not create the run folder");

        File.WriteAllText(conf, "include \"other.conf\"\n");
        File.WriteAllText(Path.Combine(runs, "other.conf"), "gipo.run.steps = 0\n");
        r = GipoProcess.Run(["train", "--config", conf, "--base", Fixture, "--run-id", "x", "--runs-dir", runs], timeoutSeconds: 60);
        AssertOneErrorLine(r, 1, "'gipo.run.steps' = '0' must be an integer"); // the include was read (it threw a NullReferenceException)

        r = GipoProcess.Run(["train", "--config", Preset, "--set", "run.steps=ten", "--base", Fixture, "--run-id", "x", "--runs-dir", runs],
                            timeoutSeconds: 60);
        AssertOneErrorLine(r, 1, "error: --set run.steps=ten: 'gipo.run.steps' = 'ten'");
    }

    [Fact(DisplayName = "a failed start leaves no dead run id; a run folder that never started can be started again")]
    public void Failed_start_leaves_no_dead_run_id()
    {
        var missing = Path.Combine(runs, "no-such-checkpoint");
        var r = GipoProcess.Run(["train", "--config", Preset, "--base", missing, "--run-id", "retry", "--runs-dir", runs], timeoutSeconds: 60);
        AssertOneErrorLine(r, 1, "does not exist");
        Assert.False(File.Exists(Path.Combine(runs, "retry", "run.conf")), "the failed start wrote the run's settings");

        // A folder left by an older version's failed start (settings only): a fresh start is no longer refused.
        new RunFolder(Path.Combine(runs, "left")).WriteConfig(GipoSettings.Load(Preset, [$"run.base-checkpoint={missing}"]));
        r = GipoProcess.Run([.. Tiny("left"), "--json"], timeoutSeconds: 600);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("never started", r.Stderr);
    }

    [Fact(DisplayName = "one process per run folder: a second gipo train on a held run is refused at once with the holder's PID")]
    public void Second_process_on_a_run_is_refused_with_the_holders_pid()
    {
        var folder = new RunFolder(Path.Combine(runs, "held"));
        folder.WriteConfig(GipoSettings.Load(Preset, [$"run.base-checkpoint={Fixture}"]));
        using (RunLock.Acquire(folder.Root))
        {
            var clock = Stopwatch.StartNew();
            var r = GipoProcess.Run(["train", "--resume", "held", "--runs-dir", runs], timeoutSeconds: 60);
            AssertOneErrorLine(r, 1, $"is in use by another gipo process (PID {Environment.ProcessId})");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed.TotalSeconds:F0} s");
            Assert.False(File.Exists(folder.Database), "the refused process touched the journal");
        }
    }

    [Fact(DisplayName = "a finished run: checkpoint path is a folder, the journal's paths are relative (a moved folder resumes), " +
                        "no journal or a damaged one is refused clearly")]
    public void Moved_run_resumes_and_a_missing_or_damaged_journal_is_refused()
    {
        var first = GipoProcess.Run([.. Tiny("done"), "--json"], timeoutSeconds: 600);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var checkpoint = JsonDocument.Parse(first.LastLine).RootElement.GetProperty("checkpoint").GetString()!;
        output.WriteLine(first.LastLine);
        Assert.True(Directory.Exists(checkpoint), $"checkpoint '{checkpoint}' is not a folder");
        Assert.Equal(Path.Combine(runs, "done", "checkpoints"), Path.GetDirectoryName(checkpoint));

        // Moved: the journal names checkpoints relative to the run folder, so the moved run finds its own.
        var moved = Path.Combine(runs, "moved", "done");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        Directory.Move(Path.Combine(runs, "done"), moved);
        var status = GipoProcess.Run(["status", "--run", moved, "--json"], timeoutSeconds: 120);
        Assert.True(status.ExitCode == 0, status.Stderr);
        var manifest = JsonDocument.Parse(status.LastLine).RootElement.GetProperty("last_checkpoint").GetProperty("manifest").GetString()!;
        Assert.StartsWith(moved + Path.DirectorySeparatorChar, manifest);
        var again = GipoProcess.Run(["train", "--resume", moved, "--json"], timeoutSeconds: 300);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.StartsWith(moved + Path.DirectorySeparatorChar, JsonDocument.Parse(again.LastLine).RootElement.GetProperty("checkpoint").GetString()!);

        // A corrupted checkpoint is refused by eval and generate (its manifest lists every file's SHA-256).
        var corrupt = Path.Combine(runs, "corrupt-checkpoint");
        CopyFolder(Directory.GetDirectories(Path.Combine(moved, "checkpoints")).Single(), corrupt);
        var weights = Path.Combine(corrupt, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^3] ^= 0x5a;
        File.WriteAllBytes(weights, bytes);
        var eval = GipoProcess.Run(["eval", "--checkpoint", corrupt, "--task", "column-add", "--prompts", "2", "--samples", "1", "--k", "1",
                                    "--max-new-tokens", "8"], timeoutSeconds: 120);
        AssertOneErrorLine(eval, 1, "model.safetensors sha256 mismatch");
        var generate =
            GipoProcess.Run(["generate", "--checkpoint", corrupt, "--prompt", "Q:ADD 1 2\\n", "--max-new-tokens", "4"], timeoutSeconds: 120);
        AssertOneErrorLine(generate, 1, "model.safetensors sha256 mismatch");

        // No journal beside checkpoints: refused, saying what is there, nothing written.
        var lost = Path.Combine(runs, "lost");
        CopyFolder(moved, lost);
        File.Delete(Path.Combine(lost, "journal.db"));
        var metrics = File.ReadAllText(Path.Combine(lost, "metrics.jsonl"));
        var r = GipoProcess.Run(["train", "--resume", lost], timeoutSeconds: 120);
        AssertOneErrorLine(r, 1, "has checkpoints (1 (newest");
        Assert.Contains("no journal", r.Stderr);
        Assert.Equal(metrics, File.ReadAllText(Path.Combine(lost, "metrics.jsonl")));
        Assert.Single(Directory.GetDirectories(Path.Combine(lost, "checkpoints")));

        // A half-truncated journal: one clear line from status and from --resume.
        var torn = Path.Combine(runs, "torn");
        CopyFolder(moved, torn);
        var db = Path.Combine(torn, "journal.db");
        using (var f = new FileStream(db, FileMode.Open)) f.SetLength(f.Length / 2);
        r = GipoProcess.Run(["status", "--run", torn], timeoutSeconds: 120);
        AssertOneErrorLine(r, 1, "journal.db cannot be read");
        Assert.True(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 3, r.Stderr);
        r = GipoProcess.Run(["train", "--resume", torn], timeoutSeconds: 120);
        AssertOneErrorLine(r, 1, "journal.db cannot be read");

        FuzzJournal(moved);
    }

    /// <summary>
    /// Random truncations and byte flips of a finished run's journal.db, read the way status and --resume read it: each
    /// is read (a flip in an unused page), or refused with one InvalidDataException naming the file; never a hang or
    /// another exception.
    /// </summary>
    private void FuzzJournal(string run)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var original = File.ReadAllBytes(Path.Combine(run, "journal.db"));
        var settings = GipoSettings.Load(Path.Combine(run, "run.conf"));
        var ledger = RunSettings.Read(settings).Ledger(AlgorithmSettingsReader.Read(settings));
        var rng = new Random(1207);
        var (read, refused) = (0, 0);
        for (var i = 0; i < 16; i++)
        {
            var folder = new RunFolder(Path.Combine(runs, "fuzz", $"j{i}", "done"));
            Directory.CreateDirectory(folder.Root);
            File.Copy(Path.Combine(run, "run.conf"), folder.ConfigFile);
            var bytes = (byte[])original.Clone();
            if (i % 2 == 0) bytes = bytes[..rng.Next(bytes.Length)];
            else for (var k = 0; k < 1 + rng.Next(8); k++) bytes[rng.Next(bytes.Length)] ^= (byte)(1 + rng.Next(255));
            File.WriteAllBytes(folder.Database, bytes);
            var attempt = Task.Run(() => RunFolderContents.Replay(folder, RunFolderContents.Journal(folder), ledger));
            Assert.True(Task.WaitAny([attempt], TimeSpan.FromSeconds(60)) == 0, $"mutant {i}: no answer within 60 s");
            if (attempt.IsCompletedSuccessfully)
            {
                read++;
                Gipo.Cluster.Coordination.LedgerAudit.Run(ledger, RunFolderContents.Journal(folder).Events); // the audit takes what was read
                continue;
            }
            var error = attempt.Exception!.InnerException!;
            Assert.True(error is InvalidDataException, $"mutant {i}: {error}");
            Assert.Contains(folder.Database, error.Message);
            refused++;
        }
        output.WriteLine($"journal fuzz: {read} read, {refused} refused clearly");
        Assert.True(refused > 0, "no mutant was refused: the fuzz proves nothing");
    }

    [Fact(DisplayName = "status of a cluster run without --postgres says it cannot see the journal and exits non-zero")]
    public void Status_of_a_postgres_run_without_postgres_is_an_error()
    {
        new RunFolder(Path.Combine(runs, "cluster"))
            .WriteConfig(GipoSettings.Load(Preset, [$"run.base-checkpoint={Fixture}", "run.journal=postgres"]));
        var r = GipoProcess.Run(["status", "--run", "cluster", "--runs-dir", runs], env: new Dictionary<string, string> { ["GIPO_POSTGRES"] = "" },
                                timeoutSeconds: 60);
        AssertOneErrorLine(r, 1, "journals to PostgreSQL");
        Assert.DoesNotContain("audit clean", r.Stdout);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(from, to));
    }
}
