using Gipo.Core.Tasks;
using Gipo.Model.Checkpoints;
using Gipo.Model.Learning;
using Gipo.Model.Rollout;
using Gipo.Model.Sampling;
using TorchSharp;
using static Gipo.Cluster.Tests.Learning.LearnerFixture;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// Every tensor the nodes' torch work creates lives in a dispose scope. A tensor created outside one is reachable only
/// from the expression that made it, so the GC may finalize it — freeing the native tensor — while the next native call
/// in that expression still reads it: chaos runs here died of SIGSEGV in <c>at::native::to</c> and
/// <c>is_contiguous_or_false</c> after hundreds of steps. The counter is TorchSharp's per-thread statistic, read after
/// one warm-up round (lazily built state may be created outside a scope once, held by its owner).
/// </summary>
public sealed class TensorLifetimeTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), $"gipo-lifetime-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static long Outside => DisposeScopeManager.Statistics.CreatedOutsideScopeCount;

    [Fact(DisplayName = "A learner step, a checkpoint save, a weight export and import, and a rollout create no tensor outside a dispose scope")]
    public void Node_torch_work_stays_in_dispose_scopes()
    {
        using var model = Policy();
        var batch = Batch(model);
        using var learner = new GipoLearner(model, Tok, Settings("gipo-preset.conf", "algorithm.ib.warmup-steps=1"), seed: 7);
        var task = ReasoningTasks.Get("column-add");
        var problems = task.Sample(Split.SftTrain, 2, 5).Select((p, i) => ((long)i, p)).ToList();
        var rollout = new GroupRollout(model, Tok, task);
        var operations = new (string Name, Action Run)[]
        {
            ("learner step", () => learner.Train(batch)),
            ("checkpoint save", () =>
                LearnerCheckpoint.Save(Path.Combine(root, $"step-{learner.Step}-{Guid.NewGuid():N}"), learner, model, Tok.ToJson())),
            ("checkpoint load", () => LearnerCheckpoint.Load(Directory.GetDirectories(root)[0], learner, model)),
            ("weight export", () => PolicyWeights.Export(model, learner.Step)),
            ("weight import", () => PolicyWeights.Export(model, learner.Step).LoadInto(model)),
            ("rollout", () => rollout.Run(problems, 2, new SamplingOptions(MaxNewTokens: 12), 0, 3)),
        };
        foreach (var (_, run) in operations) run(); // warm-up
        var created = new List<string>();
        foreach (var (name, run) in operations)
        {
            var before = Outside;
            run();
            if (Outside != before) created.Add($"{name}: {Outside - before}");
        }
        Assert.True(created.Count == 0, $"tensors created outside a dispose scope: {string.Join("; ", created)}");
    }
}
