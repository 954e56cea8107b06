using Akka.Configuration;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Runtime;
using Gipo.Model.Native;

namespace Gipo.Cluster.Tests.Runtime;

/// <summary>
/// Issue 11, item 7: a full disk ends the run with the cause instead of a restart loop. The fault is injected at the
/// learner's step seam as the IOException (ENOSPC) the runtime throws; making a small full file system needs root.
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private static readonly string Base = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small");
    private readonly string root = Directory.CreateTempSubdirectory("gipo-disk-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(root, true); }
        catch (IOException) { } // best effort
    }

    private static IOException NoSpace() =>
        new($"No space left on device : '/runs/x/checkpoints/.step-000002.tmp-{Guid.NewGuid():N}/model.safetensors'", 28);

    [Fact(DisplayName = "LearnerFailures: a full disk ends the run at once; staging GUIDs do not hide a repeat")]
    public void Full_disk_and_staging_names_are_recognised()
    {
        var failures = new LearnerFailures();
        Assert.Contains("the disk is full", failures.Record(2, NoSpace()));
        Assert.True(DiskSpace.IsFull(new InvalidOperationException("wrapped", NoSpace())));
        Assert.False(DiskSpace.IsFull(new IOException("file not found")));

        var other = new LearnerFailures();
        Assert.Null(other.Record(3, new InvalidOperationException($"cannot move .step-000003.tmp-{Guid.NewGuid():N}")));
        Assert.NotNull(other.Record(3, new InvalidOperationException($"cannot move .step-000003.tmp-{Guid.NewGuid():N}"))); // the same failure
    }

    [Fact(DisplayName = "A learner step that hits a full disk ends the run with the cause, not a restart loop")]
    public async Task Full_disk_ends_the_run()
    {
        NativeTorch.EnsureLoaded();
        var settings = GipoSettings.Load(Path.Combine(AppContext.BaseDirectory, "hocon", "quickstart.conf"),
        [
            "run.torch-threads=0", "run.steps=4", "run.checkpoint-every=2", "run.eval-every=0", "run.eval-prompts=4", "run.eval-samples=1",
            "algorithm.batch.groups-per-step=2", "algorithm.batch.group-size=4", "algorithm.batch.max-new-tokens=24", "algorithm.optim.minibatches=1",
        ]);
        var folder = new RunFolder(Path.Combine(root, "full"));
        folder.WriteConfig(settings);
        var tries = 0;
        var options = new NodeOptions(ConfigurationFactory.ParseString("akka.actor.serialize-messages = on\nakka.actor.serialize-creators = off"),
            BeforeLearnerStep: step =>
            {
                if (step != 2) return;
                Interlocked.Increment(ref tries);
                throw NoSpace();
            });
        var outcome = await (await TrainingNode.StartAsync(folder, settings, Base, options)).RunAsync().WaitAsync(TimeSpan.FromMinutes(3));

        Assert.False(outcome.Finished);
        Assert.Equal(RunEnding.Failed, outcome.Ending);
        Assert.Contains("the disk is full", outcome.Error);
        Assert.Contains("No space left on device", outcome.Error);
        Assert.Equal(1, tries); // never retried
    }
}
