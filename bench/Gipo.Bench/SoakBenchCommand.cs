using System.CommandLine;
using System.Globalization;
using Gipo.Bench.Soak;
using Gipo.Cli;
using Gipo.Model.Native;

namespace Gipo.Bench;

/// <summary>
/// <c>gipo-bench soak --minutes 30</c>: quickstart-size training runs back to back under forced garbage collection,
/// counting libtorch errors (<see cref="NativeSoak"/>). Exit 0 only with zero native errors and every run finished.
/// </summary>
internal static class SoakBenchCommand
{
    private const string DefaultBase = "tests/Gipo.Cluster.Tests/Fixtures/sft-column-add-small";
    private const string DefaultPreset = "hocon/quickstart.conf";

    public static Command Create()
    {
        var minutes = new Option<double>("--minutes") { Description = "how long to keep starting runs " +
                                                                      "(the last one is finished)", DefaultValueFactory = _ => 30 };
        var baseCheckpoint = new Option<DirectoryInfo?>("--base") { Description = $"SFT checkpoint every run starts from (default: " +
                                                                                  $"{DefaultBase} found from the working folder up)" };
        var config = new Option<FileInfo?>("--config") { Description = $"preset of the runs (default: " +
                                                                       $"{DefaultPreset} found from the working folder up)" };
        var steps = new Option<int>("--steps-per-run") { Description = "learner steps per run", DefaultValueFactory = _ => 10 };
        var gcPause = new Option<int>("--gc-pause-ms") { Description = "pause between forced collections (0: back to back, " +
                                                                       "the most pressure)", DefaultValueFactory = _ => 0 };
        var gcGeneration = new Option<int>("--gc-generation") { Description = "oldest generation each forced collection collects (0: " +
                                                                              "young objects, 2: full)", DefaultValueFactory = _ => 0 };
        var set = new Option<string[]>("--set") { Description = "override a key for every run: " +
                                                                "--set run.torch-threads=1 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string?>("--out") { Description = "folder for the run folders (default: a temp folder, deleted afterwards)" };
        var command = new Command("soak",
            "Quickstart-size training under forced GC (a thread collecting and finalizing back to back), counting native (libtorch) errors.")
        {
            minutes, baseCheckpoint, config, steps, gcPause, gcGeneration, set, output,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            if (!(r.GetValue(minutes) > 0)) throw new ArgumentException($"--minutes must be > 0 " +
                                                                        $"(got {r.GetValue(minutes).ToString(CultureInfo.InvariantCulture)})");
            if (r.GetValue(gcPause) < 0) throw new ArgumentException($"--gc-pause-ms must be >= 0 (got {r.GetValue(gcPause)})");
            if (r.GetValue(gcGeneration) is < 0 or > 2) throw new ArgumentException($"--gc-generation must be 0, 1 or 2 " +
                                                                                    $"(got {r.GetValue(gcGeneration)})");
            var basePath = r.GetValue(baseCheckpoint)?.FullName ?? WorkingFolder.FindUp(DefaultBase)
                ?? throw new ArgumentException($"no --base given and {DefaultBase} not found from the working folder up");
            if (!Directory.Exists(basePath)) throw new DirectoryNotFoundException($"--base '{basePath}' does not exist");
            var preset = r.GetValue(config)?.FullName ?? WorkingFolder.FindUp(DefaultPreset)
                ?? throw new ArgumentException($"no --config given and {DefaultPreset} not found from the working folder up");
            var temp = r.GetValue(output) is null;
            var root = temp ? Directory.CreateTempSubdirectory("gipo-bench-soak-").FullName : Path.GetFullPath(r.GetValue(output)!);
            var options = new NativeSoakOptions(basePath, preset, root, TimeSpan.FromMinutes(r.GetValue(minutes)), r.GetValue(steps),
                TimeSpan.FromMilliseconds(r.GetValue(gcPause)), r.GetValue(set) ?? [], r.GetValue(gcGeneration));
            NativeTorch.EnsureLoaded();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench soak: {Path.GetFileName(preset)} from {basePath}, {options.StepsPerRun} steps per run for " +
                $"{options.Duration.TotalMinutes:F1} min, " +
                $"forced gen-{options.GcGeneration} GC every {options.GcPause.TotalMilliseconds:F0} ms, {Environment.ProcessorCount} cores"));
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            NativeSoakResult result;
            try
            {
                result = NativeSoak.RunAsync(options, Console.Error.WriteLine, cancel.Token).GetAwaiter().GetResult();
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
                if (temp)
                {
                    try { Directory.Delete(root, recursive: true); }
                    catch (IOException) { /* best effort: a temp folder */ }
                }
            }
            if (result.FirstNativeError is { } first) Console.Error.WriteLine($"first native error: {first}");
            Console.WriteLine(result.Line());
            return result.NativeErrors == 0 && result.FailedRuns == 0 ? 0 : 1;
        }));
        return command;
    }
}
