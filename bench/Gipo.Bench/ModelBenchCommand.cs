using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Gipo.Bench.Models;
using Gipo.Cli;
using Gipo.Model;
using Spectre.Console;

namespace Gipo.Bench;

/// <summary><c>gipo-bench model</c>: our model against the same architecture in PyTorch eager, in one run.</summary>
internal static class ModelBenchCommand
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "CPU threads for both implementations " +
                                                                   "(0 = one per core)", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda", DefaultValueFactory = _ => "auto" };
        var dtype = new Option<string>("--dtype") { Description = "float32 | bfloat16", DefaultValueFactory = _ => "float32" };
        var trainSteps = new Option<int>("--train-steps") { Description = "timed train steps (median reported)", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "untimed warm-up steps", DefaultValueFactory = _ => 3 };
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => 256 };
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => 4 };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => 4 };
        var kvHeads = new Option<int>("--kv-heads") { DefaultValueFactory = _ => 4 };
        var intermediate = new Option<int>("--intermediate") { DefaultValueFactory = _ => 1024 };
        var vocab = new Option<int>("--vocab") { DefaultValueFactory = _ => 128 };
        var trainBatch = new Option<int>("--train-batch") { DefaultValueFactory = _ => 32 };
        var trainSeq = new Option<int>("--train-seq") { DefaultValueFactory = _ => 128 };
        var decodeBatches = new Option<string>("--decode-batches") { Description = "comma-separated " +
                                                                                   "decode batch sizes", DefaultValueFactory = _ => "1,64" };
        var newTokens = new Option<int>("--new-tokens") { Description = "decoded tokens per sequence", DefaultValueFactory = _ => 64 };
        var python = new Option<string>("--python") { Description = "Python with torch for the baseline (default /usr/bin/python3, else python3)" };
        var script = new Option<FileInfo?>("--baseline-script") { Description = "default: bench/torch_baseline.py found from the working folder up" };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "measure ours only" };
        var json = new Option<bool>("--json") { Description = "last output line: one JSON object with both results" };
        var command = new Command("model", "Train-step and decode (batch 1 and 64) tokens/s: " +
                                           "Gipo's TorchSharp model vs the same model in PyTorch eager.")
        {
            threads, device, dtype, trainSteps, warmup, hidden, layers, heads, kvHeads, intermediate, vocab, trainBatch, trainSeq,
            decodeBatches, newTokens,
            python, script, noBaseline, json,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var n = r.GetValue(threads) > 0 ? r.GetValue(threads) : Environment.ProcessorCount;
            TorchRuntime.SetThreads(n);
            var dev = TorchRuntime.ResolveDevice(r.GetValue(device)!);
            var o = new ModelBenchmarkOptions
            {
                Hidden = r.GetValue(hidden), Layers = r.GetValue(layers), Heads = r.GetValue(heads), KvHeads = r.GetValue(kvHeads),
                Intermediate = r.GetValue(intermediate), Vocab = r.GetValue(vocab), Dtype = r.GetValue(dtype)!,
                TrainBatch = r.GetValue(trainBatch), TrainSeq = r.GetValue(trainSeq), TrainSteps = r.GetValue(trainSteps),
                Warmup = r.GetValue(warmup), NewTokens = r.GetValue(newTokens),
                DecodeBatches = r.GetValue(decodeBatches)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(int.Parse).ToArray(),
            };
            Console.Error.WriteLine($"bench model: d={o.Hidden} L={o.Layers} H={o.Heads}/{o.KvHeads} ffn={o.Intermediate} V={o.Vocab} {o.Dtype} on " +
                                    $"{dev}, {n} threads");
            var ours = ModelBenchmark.Run(o, dev, Console.Error.WriteLine);

            JsonNode? baseline = null;
            if (!r.GetValue(noBaseline))
            {
                var path = r.GetValue(script)?.FullName ?? WorkingFolder.FindUp(Path.Combine("bench", "torch_baseline.py"))
                    ?? throw new FileNotFoundException("bench/torch_baseline.py not found from the working folder up; " +
                                                       "pass --baseline-script or --no-baseline");
                var py = r.GetValue(python) ?? (File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
                baseline = RunBaseline(py, path, o, n, dev.type == TorchSharp.DeviceType.CUDA ? "cuda" : "cpu");
            }
            Report(ours, baseline, o, dev.ToString(), n, r.GetValue(json));
            return 0;
        }));
        return command;
    }

    private static JsonNode RunBaseline(string python, string script, ModelBenchmarkOptions o, int threads, string device)
    {
        var args = new List<string>
        {
            script, "--threads", threads.ToString(), "--device", device, "--dtype", o.Dtype,
            "--hidden", o.Hidden.ToString(), "--layers", o.Layers.ToString(), "--heads", o.Heads.ToString(), "--kv-heads", o.KvHeads.ToString(),
            "--intermediate", o.Intermediate.ToString(), "--vocab", o.Vocab.ToString(), "--train-batch", o.TrainBatch.ToString(),
            "--train-seq", o.TrainSeq.ToString(), "--train-steps", o.TrainSteps.ToString(), "--warmup", o.Warmup.ToString(),
            "--decode-batches", string.Join(",", o.DecodeBatches), "--prompt-len", o.PromptLength.ToString(), "--new-tokens", o.NewTokens.ToString(),
        };
        if (o.TrainSteps == 0) args.AddRange(["--train-steps", "0"]);
        var psi = new ProcessStartInfo(python, args) { RedirectStandardOutput = true, RedirectStandardError = false };
        // Debian's torch calls OpenBLAS, whose own thread pool on top of torch's intra-op threads oversubscribes the
        // cores; one BLAS thread was the baseline's fastest setting for both train and decode here, so it gets that.
        if (Environment.GetEnvironmentVariable("OPENBLAS_NUM_THREADS") is null) psi.Environment["OPENBLAS_NUM_THREADS"] = "1";
        Console.Error.WriteLine($"baseline: {python} {string.Join(' ', args)}");
        using var process = Process.Start(psi) ?? throw new IOException($"could not start {python}");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (process.ExitCode != 0 || last is null)
            throw new IOException($"the PyTorch baseline failed (exit {process.ExitCode}); is torch installed for {python}? " +
                                  $"(apt-get install python3-torch libopenblas0-pthread)");
        return JsonNode.Parse(last) ?? throw new InvalidDataException("the PyTorch baseline printed no JSON");
    }

    private static void Report(ModelBenchmarkResult ours, JsonNode? baseline, ModelBenchmarkOptions o, string device, int threads, bool json)
    {
        var table = new Table().AddColumns("metric", "gipo (TorchSharp)", "pytorch eager", "ratio");
        void Row(string name, double mine, double? theirs) =>
            table.AddRow(name, mine.ToString("N0"), theirs?.ToString("N0") ?? "–", theirs is > 0 ? $"{mine / theirs.Value:F2}x" : "–");
        Row($"train tokens/s (B{o.TrainBatch}×T{o.TrainSeq})", ours.TrainTokensPerSecond, baseline?["train_tokens_per_s"]?.GetValue<double>());
        foreach (var (batch, tps) in ours.DecodeTokensPerSecond)
            Row($"decode tokens/s (batch {batch})", tps, baseline?["decode"]?[batch.ToString()]?.GetValue<double>());
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(json ? Console.Error : Console.Out) });
        console.Write(table);
        console.WriteLine($"{ours.Parameters:N0} parameters, {o.Dtype}, {device}, {threads} threads; baseline: " +
                          $"{baseline?["torch"]} {baseline?["blas"]}");
        if (json)
            Console.WriteLine(new JsonObject
            {
                ["device"] = device, ["threads"] = threads, ["dtype"] = o.Dtype, ["params"] = ours.Parameters,
                ["gipo"] = new JsonObject
                {
                    ["train_tokens_per_s"] = Math.Round(ours.TrainTokensPerSecond, 1), ["train_step_ms"] = Math.Round(ours.TrainStepMs, 2),
                    ["decode"] = new JsonObject(ours.DecodeTokensPerSecond.Select(kv =>
                        KeyValuePair.Create(kv.Key.ToString(), (JsonNode?)Math.Round(kv.Value, 1)))),
                },
                ["pytorch"] = baseline?.DeepClone(),
            }.ToJsonString());
    }
}
