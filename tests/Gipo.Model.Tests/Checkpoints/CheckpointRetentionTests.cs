using Gipo.Model.Checkpoints;

namespace Gipo.Model.Tests.Checkpoints;

/// <summary><c>run.keep-checkpoints</c> (<see cref="CheckpointRetention"/>).</summary>
public sealed class CheckpointRetentionTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("gipo-retention-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static string[] Names(params string[] names) => [.. names.Select(n => Path.Combine("/runs/r/checkpoints", n))];

    private static string[] Deleted(string[] folders, int keep, string current) =>
        [.. CheckpointRetention.Select(folders, keep, Path.Combine("/runs/r/checkpoints", current)).Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)!];

    [Fact]
    public void Keeps_the_newest_n_up_to_the_current_one()
    {
        var folders = Names("step-000002", "step-000004", "step-000006", "step-000008");
        Assert.Equal(["step-000002", "step-000004"], Deleted(folders, 2, "step-000008"));
        Assert.Equal(["step-000002", "step-000004", "step-000006"], Deleted(folders, 1, "step-000008"));
        Assert.Empty(Deleted(folders, 4, "step-000008"));
        Assert.Empty(Deleted(folders, 0, "step-000008")); // 0 = keep all
    }

    [Fact]
    public void The_current_checkpoint_is_never_deleted_even_when_newer_folders_exist()
    {
        // step-000010 is a save whose commit never happened: the journal's current checkpoint is step-000008.
        var folders = Names("step-000004", "step-000006", "step-000008", "step-000010");
        Assert.Equal(["step-000004", "step-000006"], Deleted(folders, 1, "step-000008"));
    }

    [Fact]
    public void A_retried_save_orders_after_the_first_attempt_and_other_folders_are_ignored()
    {
        var folders = Names("step-000002", "step-000004", "step-000004-2", "sft", ".step-000006.tmp-abc");
        Assert.Equal(["step-000002", "step-000004"], Deleted(folders, 1, "step-000004-2"));
    }

    [Fact]
    public void Apply_deletes_the_folders_and_leaves_staging_folders_alone()
    {
        foreach (var name in new[] { "step-000002", "step-000004", "step-000006", ".step-000008.tmp-1" })
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            File.WriteAllText(Path.Combine(root, name, "manifest.json"), "{}");
        }
        var deleted = CheckpointRetention.Apply(root, 2, Path.Combine(root, "step-000006"));
        Assert.Equal([Path.Combine(root, "step-000002")], deleted);
        Assert.Equal([".step-000008.tmp-1", "step-000004", "step-000006"],
            Directory.GetDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_current_folder_that_is_not_a_checkpoint_name_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => CheckpointRetention.Select(Names("step-000002"), 1, "/runs/r/checkpoints/latest"));
        Assert.Contains("latest", e.Message);
    }
}
