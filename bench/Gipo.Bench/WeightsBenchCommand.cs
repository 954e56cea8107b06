using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Gipo.Bench.Weights;
using Gipo.Cli;
using Gipo.Cluster.Weights;
using Gipo.Model.Checkpoints;
using Gipo.Model.Native;
using Spectre.Console;

namespace Gipo.Bench;

/// <summary>
/// <c>gipo-bench weights</c>: publish-to-all-samplers latency of policy weights across real remoting, for 1, 2 and 4
/// sampler nodes on loopback, all nodes in this process (<see cref="WeightPublishBenchmark"/>).
/// </summary>
internal static class WeightsBenchCommand
{
    private const string DefaultBase = "tests/Gipo.Cluster.Tests/Fixtures/sft-column-add-small";

    public static Command Create()
    {
        var nodes = new Option<string>("--nodes") { Description = "comma-separated sampler node " +
                                                                  "counts, one cluster each", DefaultValueFactory = _ => "1,2,4" };
        var sizes = new Option<string>("--sizes")
        {
            Description = "comma-separated blobs: 'quickstart' (the --base checkpoint's weights) or a size such as 100MB, 64KiB, 5000",
            DefaultValueFactory = _ => "quickstart,100MB",
        };
        var reps = new Option<int>("--reps") { Description = "timed publishes per node count and blob " +
                                                             "(median and max reported)", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "untimed publishes before them", DefaultValueFactory = _ => 1 };
        var chunk = new Option<string>("--chunk-size") { Description = "bytes per chunk " +
            "(frames are " +
            "max(1MiB, 4 chunks))",
            DefaultValueFactory = _ => WeightTransferSettings.Default.ChunkBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var window = new Option<int>("--window") { Description = "chunks in " +
                                                                 "flight per fetcher",
                                                                 DefaultValueFactory = _ => WeightTransferSettings.Default.Window };
        var baseCheckpoint = new Option<DirectoryInfo?>("--base") { Description = $"checkpoint whose weights 'quickstart' publishes (default: " +
                                                                                  $"{DefaultBase} found from the working folder up)" };
        var json = new Option<bool>("--json") { Description = "last output line: one JSON object with every row" };
        var command = new Command("weights",
            "Publish-to-all-samplers latency of weights (store → every fetcher has a verified blob) for 1, " +
            "2 and 4 sampler nodes on loopback, one process.")
        {
            nodes, sizes, reps, warmup, chunk, window, baseCheckpoint, json,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var nodeCounts = Items(r.GetValue(nodes)!, "--nodes")
                .Select(s => int.TryParse(s, out var n) && n is >= 1 and <= 16 ? n : throw new ArgumentException($"--nodes: " +
                    $"'{s}' is not 1 … 16")).ToList();
            if (r.GetValue(reps) < 1) throw new ArgumentException("--reps must be >= 1");
            if (r.GetValue(warmup) < 0) throw new ArgumentException("--warmup must be >= 0");
            var chunkBytes = ParseSize(r.GetValue(chunk)!) ?? throw new ArgumentException($"--chunk-size '{r.GetValue(chunk)}' is not a size");
            var transfer = (WeightTransferSettings.Default with { ChunkBytes = (int)Math.Min(int.MaxValue, chunkBytes),
                                                                 Window = r.GetValue(window) }).Validated();
            var blobs = Items(r.GetValue(sizes)!, "--sizes").Select(s => Blob(s, () => r.GetValue(baseCheckpoint)?.FullName)).ToList();
            var options = new WeightBenchmarkOptions(nodeCounts, blobs, r.GetValue(reps), r.GetValue(warmup), transfer);
            Console.Error.WriteLine($"bench weights: {string.Join(", ", blobs.Select(b => $"{b.Name} ({b.Data.Length:N0} B)"))} to " +
                                    $"{string.Join(", ", nodeCounts)} sampler node(s); " +
                                    $"{transfer.ChunkBytes:N0} B chunks, window {transfer.Window}; " +
                                    $"{options.Warmup} warm-up + {options.Repetitions} timed; " +
                                    $"every node an actor system on 127.0.0.1 in this process, {Environment.ProcessorCount} cores");
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            IReadOnlyList<WeightPublishRow> rows;
            try
            {
                rows = WeightPublishBenchmark.RunAsync(options, Console.Error.WriteLine, cancel.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("error: interrupted");
                return 2;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
            Report(rows, options, r.GetValue(json));
            return 0;
        }));
        return command;
    }

    private static WeightBlob Blob(string spec, Func<string?> baseCheckpoint)
    {
        if (spec.Equals("quickstart", StringComparison.OrdinalIgnoreCase))
        {
            var path = baseCheckpoint() ?? WorkingFolder.FindUp(DefaultBase)
                ?? throw new ArgumentException($"'quickstart' needs --base or {DefaultBase} found from the working folder up");
            if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"--base '{path}' does not exist");
            NativeTorch.EnsureLoaded();
            using var model = HfCheckpoint.Load(path);
            return new WeightBlob("quickstart", PolicyWeights.Export(model, 0).Data);
        }
        var bytes = ParseSize(spec) ?? throw new ArgumentException($"--sizes: '{spec}' is neither 'quickstart' nor a size (100MB, 64KiB, 5000)");
        if (bytes < 1 || bytes > Array.MaxLength) throw new ArgumentException($"--sizes: " +
                                                                              $"'{spec}' must be between 1 byte and {Array.MaxLength:N0} bytes");
        var data = new byte[bytes];
        new Random(4711).NextBytes(data);
        return new WeightBlob(spec, data);
    }

    /// <summary>"100MB" (10^6), "64KiB" (2^10), "5000" (bytes); null when it is not a size.</summary>
    internal static long? ParseSize(string text)
    {
        var s = text.Trim();
        var units = new (string Suffix, long Factor)[]
        {
            ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
        };
        foreach (var (suffix, factor) in units)
            if (s.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                return double.TryParse(s[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0
                    ? (long)(v * factor) : null;
        return long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private static string[] Items(string text, string option)
    {
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return items.Length > 0 ? items : throw new ArgumentException($"{option} is empty");
    }

    private static void Report(IReadOnlyList<WeightPublishRow> rows, WeightBenchmarkOptions o, bool json)
    {
        var table = new Table().AddColumn("blob").AddColumn(new TableColumn("bytes").RightAligned())
            .AddColumn(new TableColumn("sampler nodes").RightAligned())
            .AddColumn(new TableColumn("median ms").RightAligned()).AddColumn(new TableColumn("max ms").RightAligned())
            .AddColumn(new TableColumn("MB/s per sampler").RightAligned()).AddColumn(new TableColumn("MB/s all").RightAligned())
            .AddColumn(new TableColumn("unreachable").RightAligned());
        foreach (var row in rows)
            table.AddRow(Markup.Escape(row.Blob), row.Bytes.ToString("N0"), row.SamplerNodes.ToString(), (row.MedianSeconds * 1e3).ToString("F1"),
                (row.MaxSeconds * 1e3).ToString("F1"), row.PerSamplerMegabytesPerSecond.ToString("F1"),
                row.AggregateMegabytesPerSecond.ToString("F1"), row.Unreachable.ToString());
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(json ? Console.Error : Console.Out) });
        console.Write(table);
        console.WriteLine($"latency: PublishWeights told to the store → the last sampler node's fetcher has verified the blob; " +
                          $"{o.Repetitions} timed publishes " +
                          $"(after {o.Warmup} warm-up) per row; chunks of {o.Transfer.ChunkBytes:N0} B, {o.Transfer.Window} in flight per fetcher; " +
                          $"all nodes in one process on {Environment.ProcessorCount} cores");
        if (!json) return;
        var rowsJson = new JsonArray();
        foreach (var row in rows)
            rowsJson.Add(new JsonObject
            {
                ["blob"] = row.Blob,
                ["bytes"] = row.Bytes,
                ["sampler_nodes"] = row.SamplerNodes,
                ["median_ms"] = Math.Round(row.MedianSeconds * 1e3, 2),
                ["max_ms"] = Math.Round(row.MaxSeconds * 1e3, 2),
                ["mb_per_s_per_sampler"] = Math.Round(row.PerSamplerMegabytesPerSecond, 2),
                ["mb_per_s_all"] = Math.Round(row.AggregateMegabytesPerSecond, 2),
                ["unreachable"] = row.Unreachable,
                ["ms"] = new JsonArray([.. row.Seconds.Select(s => (JsonNode?)Math.Round(s * 1e3, 2))]),
            });
        Console.WriteLine(new JsonObject
        {
            ["cores"] = Environment.ProcessorCount,
            ["chunk_bytes"] = o.Transfer.ChunkBytes,
            ["window"] = o.Transfer.Window,
            ["repetitions"] = o.Repetitions,
            ["warmup"] = o.Warmup,
            ["one_process"] = true,
            ["rows"] = rowsJson,
        }.ToJsonString());
    }
}
