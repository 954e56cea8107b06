using System.Text.Json.Nodes;
using Gipo.Cli.Experiments;

namespace Gipo.Cli.Tests.Experiments;

public sealed class SftWarmStartTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-sft-").FullName;
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static PlanTask Task(SftWarmStartPlan sft) => new("column-add", "column-add", [], sft);

    /// <summary>Lays out a warm start as a previous invocation would have left it: its checkpoint and its sft.json.</summary>
    private (ExperimentLayout Layout, PlanTask Task, string SummaryPath) Recorded(double passAt1)
    {
        var task = Task(new SftWarmStartPlan { Band = new SftBand(0.15, 0.35), MaxSteps = 500 });
        var layout = new ExperimentLayout(Path.Combine(dir, "results", "exp"));
        var folder = layout.Sft(task.Name, task.Sft.SettingsHash(task.ReasoningTask));
        var checkpoint = Path.Combine(folder, "checkpoint");
        Directory.CreateDirectory(checkpoint);
        foreach (var f in Directory.GetFiles(Fixture)) File.Copy(f, Path.Combine(checkpoint, Path.GetFileName(f)));
        var summary = Path.Combine(folder, SftWarmStart.SummaryFile);
        File.WriteAllText(summary,
            new JsonObject { ["pass_at_1"] = passAt1, ["steps"] = 500, ["checkpoint_sha256"] = CheckpointDigest.Compute(checkpoint) }.ToJsonString());
        return (layout, task, summary);
    }

    [Fact]
    public void A_recorded_warm_start_inside_its_band_is_reused_without_training()
    {
        var (layout, task, _) = Recorded(0.2);
        var result = SftWarmStart.Prepare(task, layout, threads: 1);
        Assert.Equal(0.2, result.PassAt1);
        Assert.Equal(task.Sft.SettingsHash("column-add"), result.Hash);
        Assert.Equal(Path.Combine(layout.Sft("column-add", result.Hash), "checkpoint"), result.Checkpoint);
        Assert.EndsWith($"column-add-{result.Hash[..12]}", result.Folder);
    }

    [Fact]
    public void A_recorded_warm_start_outside_its_band_stops_the_experiment_naming_value_and_band()
    {
        var (layout, task, summary) = Recorded(0.08);
        var e = Assert.Throws<InvalidDataException>(() => SftWarmStart.Prepare(task, layout, 1));
        Assert.Contains("pass@1 0.080", e.Message);
        Assert.Contains("below the band [0.15, 0.35]", e.Message);
        Assert.Contains(summary, e.Message);
    }

    [Fact]
    public void A_warm_start_whose_checkpoint_changed_is_not_reused()
    {
        var (layout, task, _) = Recorded(0.2);
        var folder = layout.Sft(task.Name, task.Sft.SettingsHash(task.ReasoningTask));
        File.AppendAllText(Path.Combine(folder, "checkpoint", "config.json"), " ");
        Assert.Contains("changed since it was built", Assert.Throws<InvalidDataException>(() => SftWarmStart.Prepare(task, layout, 1)).Message);
    }

    [Fact]
    public void A_reused_checkpoint_is_identified_by_its_files_wherever_it_lives()
    {
        var copy = Path.Combine(dir, "copy");
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(Fixture)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        Assert.Equal(CheckpointDigest.Compute(Fixture), CheckpointDigest.Compute(copy));

        var layout = new ExperimentLayout(Path.Combine(dir, "results", "exp"));
        var result = SftWarmStart.Prepare(Task(new SftWarmStartPlan { Checkpoint = copy }), layout, 1);
        Assert.Equal(CheckpointDigest.Compute(Fixture), result.Hash);
        Assert.Equal(copy, result.Checkpoint);
        Assert.True(File.Exists(Path.Combine(result.Folder, SftWarmStart.SummaryFile)));

        File.AppendAllText(Path.Combine(copy, "tokenizer.json"), " ");
        Assert.NotEqual(CheckpointDigest.Compute(Fixture), CheckpointDigest.Compute(copy));
        Assert.Contains("is not a checkpoint", Assert.Throws<ArgumentException>(() => CheckpointDigest.Compute(dir)).Message);
    }
}
