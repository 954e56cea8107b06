using System.Text.Json.Nodes;
using Gipo.Cluster.Metrics;
using Gipo.Core.Tokenization;
using Gipo.Model.Checkpoints;
using Gipo.Model.Native;
using Tensorboard;

namespace Gipo.Cli.Tests;

/// <summary>
/// What a user watching a <c>gipo train</c> run finds in its folder (README, "Watching a run"): TensorBoard event
/// files a reader parses, sample generations of each evaluation, and checkpoints that carry the Hugging Face files,
/// with retention keeping the newest N.
/// </summary>
public sealed class WatchRunTests : IDisposable
{
    private readonly string runs = Directory.CreateTempSubdirectory("gipo-watch-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(runs, true); }
        catch (IOException) { } // best effort
    }

    [Fact(DisplayName = "gipo train: the run folder has tb/ events, samples/ per evaluation, and the newest 2 checkpoints with the HF files")]
    public void A_short_run_leaves_tensorboard_events_samples_and_exportable_checkpoints()
    {
        var r = GipoProcess.Run([
            "train", "--config", Path.Combine(AppContext.BaseDirectory, "hocon", "quickstart.conf"),
            "--base", Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small"), "--run-id", "watched", "--runs-dir", runs,
            "--set", "run.steps=4", "--set", "run.checkpoint-every=1", "--set", "run.keep-checkpoints=2", "--set", "run.eval-every=2",
            "--set", "run.eval-prompts=8", "--set", "run.eval-samples=1", "--set", "run.eval-log-samples=3",
            "--set", "algorithm.batch.groups-per-step=4", "--set", "algorithm.batch.group-size=4", "--set", "algorithm.batch.max-new-tokens=48",
            "--set", "algorithm.optim.minibatches=2", "--json",
        ], timeoutSeconds: 600);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var folder = Path.Combine(runs, "watched");

        // TensorBoard: the event files parse (TFRecord checksums, Event protobufs) and hold each step's scalars once.
        var files = Directory.GetFiles(Path.Combine(folder, "tb"), "events.out.tfevents.*");
        Assert.NotEmpty(files);
        var events = files.Order(StringComparer.Ordinal).SelectMany(TfRecordFile.ReadAll).Select(b => Event.Parser.ParseFrom(b)).ToList();
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        var scalars = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v.Tag))).ToList();
        Assert.Equal([0L, 1, 2, 3, 4], scalars.Where(s => s.Tag == "actor/policy_version").Select(s => s.Step));
        Assert.Equal([0L, 2, 4], scalars.Where(s => s.Tag == "eval/pass_at_1").Select(s => s.Step));
        foreach (var prefix in new[] { "actor/", "rollout/", "gsec/", "ib/", "eval/", "system/" })
            Assert.Contains(scalars, s => s.Tag.StartsWith(prefix, StringComparison.Ordinal));

        // Samples: three generations of each evaluation.
        var samples = Path.Combine(folder, "samples");
        Assert.Equal(["step-000000.jsonl", "step-000002.jsonl", "step-000004.jsonl"],
                     Directory.GetFiles(samples).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var file in Directory.GetFiles(samples))
        {
            var lines = File.ReadAllLines(file).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
            Assert.Equal(3, lines.Count);
            Assert.All(lines, l => Assert.StartsWith("Q:", (string)l["prompt"]!));
        }

        // Checkpoints: retention kept the newest two; each carries the HF files, hashed in its manifest, and loads.
        var checkpoints = Path.Combine(folder, "checkpoints");
        Assert.Equal(["step-000003", "step-000004"], Directory.GetDirectories(checkpoints).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var last = Path.Combine(checkpoints, "step-000004");
        var manifest = LearnerCheckpoint.Verify(last);
        foreach (var name in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                    "generation_config.json", "README.md" })
            Assert.Contains(manifest.Files, f => f.Name == name);
        var generation = JsonNode.Parse(File.ReadAllText(Path.Combine(last, "generation_config.json")))!;
        Assert.Equal(CharTokenizer.Default.EosId, (int)generation["eos_token_id"]!);
        Assert.Equal(48, (int)generation["max_new_tokens"]!);
        Assert.Equal(CharTokenizer.EosToken, (string)JsonNode.Parse(File.ReadAllText(Path.Combine(last, "tokenizer_config.json")))!["eos_token"]!);
        Assert.Contains("4 steps, policy version 4", File.ReadAllText(Path.Combine(last, "README.md")));
        NativeTorch.EnsureLoaded();
        using var model = HfCheckpoint.Load(last);
        var (tokenizer, _) = CheckpointTokenizer.Load(last, model.Config);
        Assert.Equal(CharTokenizer.Default.Encode("Q:ADD 1 2\n"), tokenizer.Encode("Q:ADD 1 2\n"));
    }
}
