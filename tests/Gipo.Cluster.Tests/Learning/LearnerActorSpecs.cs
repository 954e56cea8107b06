using Akka.Pattern;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Tests.Coordination;
using Gipo.Cluster.Weights;
using Gipo.Core.Algorithm;
using Gipo.Core.Tasks;
using Gipo.Model.Native;
using Xunit.Abstractions;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// LearnerActor's protocol against probes for its peers (every message serialized): on a fresh run it reads the
/// ledger, publishes version 0, logs the step-0 evaluation and asks for the first batch; it asks again after
/// <see cref="NotEnoughGroups"/>; a coordinator that rejects its command is a learner failure; a step that fails with
/// an error of a deterministic kind ends the run instead of being retried by the back-off supervisor.
/// </summary>
public sealed class LearnerActorSpecs(ITestOutputHelper output) : SqliteTestKit(output)
{
    private static readonly string Base = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small");

    /// <summary>A 3-step DAPO learner on the fixture model, checkpointing every step into a temporary folder.</summary>
    private static (GipoSettings Settings, AlgorithmSettings Algorithm, string Root, LearnerSetup Setup) Arrange()
    {
        NativeTorch.EnsureLoaded();
        var settings = GipoSettings.Load(Path.Combine(AppContext.BaseDirectory, "hocon", "dapo.conf"),
                                         ["algorithm.batch.groups-per-step=2", "algorithm.optim.minibatches=1"]);
        var algorithm = AlgorithmSettingsReader.Read(settings);
        var task = ReasoningTasks.Get("column-add");
        var root = Directory.CreateTempSubdirectory("gipo-learner-").FullName;
        var setup = new LearnerSetup("spec", algorithm, TargetSteps: 3, Seed: 0, CheckpointEvery: 1, EvalEvery: 0, EvalSamples: 1, "cpu", Base,
            Path.Combine(root, "checkpoints"), task, task.Sample(Split.SftTest, 4, 1), TimeSpan.FromMilliseconds(100));
        return (settings, algorithm, root, setup);
    }

    [Fact(DisplayName = "LearnerActor: fresh start reads the ledger, publishes v0, logs step 0, asks for batch 1, " +
                        "and asks again after NotEnoughGroups")]
    public async Task Fresh_start_protocol()
    {
        var (settings, algorithm, root, setup) = Arrange();
        var coordinator = CreateTestProbe("coordinator");
        var store = CreateTestProbe("store");
        var sink = CreateTestProbe("sink");
        var host = CreateTestProbe("host");
        Sys.ActorOf(LearnerActor.Props(setup, coordinator.Ref, store.Ref, sink.Ref, host.Ref), "learner");

        await coordinator.ExpectMsgAsync<GetStatus>(TimeSpan.FromSeconds(30));
        var fresh = new RunLedger(RunSettings.Read(settings).Ledger(algorithm)).Status;
        coordinator.Reply(new RunStatus("spec", fresh));
        var published = await store.ExpectMsgAsync<PublishWeights>(TimeSpan.FromSeconds(30));
        Assert.Equal(0, published.Weights.Version);
        // The step-0 evaluation asks the ledger for its counts, then logs.
        await coordinator.ExpectMsgAsync<GetStatus>(TimeSpan.FromSeconds(60));
        coordinator.Reply(new RunStatus("spec", fresh));
        var line = await sink.ExpectMsgAsync<MetricsLine>(TimeSpan.FromSeconds(30));
        Assert.Equal(0, line.Step);
        Assert.Contains(line.Entries, e => e.Key == "eval_pass_at_1");

        Assert.Equal(1, (await coordinator.ExpectMsgAsync<NextBatch>(TimeSpan.FromSeconds(30))).LearnerStep);
        coordinator.Reply(new NotEnoughGroups(1, "nothing scored yet"));
        Assert.Equal(1, (await coordinator.ExpectMsgAsync<NextBatch>(TimeSpan.FromSeconds(10))).LearnerStep);
        await host.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Directory.Delete(root, true);
    }

    [Fact(DisplayName = "LearnerActor: HandOverLearner is answered once the ledger is asked, and afterwards the learner asks for no batch")]
    public async Task Hand_over_stops_training()
    {
        var (settings, algorithm, root, setup) = Arrange();
        var coordinator = CreateTestProbe("coordinator");
        var sink = CreateTestProbe("sink");
        var leaving = CreateTestProbe("shutdown-task");
        var learner = Sys.ActorOf(LearnerActor.Props(setup, coordinator.Ref, CreateTestProbe().Ref, sink.Ref, CreateTestProbe().Ref), "learner");
        var fresh = new RunLedger(RunSettings.Read(settings).Ledger(algorithm)).Status;
        await coordinator.ExpectMsgAsync<GetStatus>(TimeSpan.FromSeconds(30));
        coordinator.Reply(new RunStatus("spec", fresh));
        await coordinator.ExpectMsgAsync<GetStatus>(TimeSpan.FromSeconds(60)); // the step-0 evaluation's line
        coordinator.Reply(new RunStatus("spec", fresh));
        Assert.Equal(1, (await coordinator.ExpectMsgAsync<NextBatch>(TimeSpan.FromSeconds(30))).LearnerStep);

        learner.Tell(new HandOverLearner(Checkpoint: true), leaving.Ref);
        await coordinator.ExpectMsgAsync<GetStatus>(TimeSpan.FromSeconds(30));
        coordinator.Reply(new RunStatus("spec", fresh));
        var answer = await leaving.ExpectMsgAsync<LearnerHandedOver>(TimeSpan.FromSeconds(30));
        // Nothing trained yet: no checkpoint to write, the next learner starts from the base model.
        Assert.Equal(new LearnerHandedOver(0, 0, null, false, null), answer);

        // The answer to the outstanding NextBatch no longer leads to a poll: the learner trains nothing more.
        learner.Tell(new NotEnoughGroups(1, "nothing scored yet"), coordinator.Ref);
        await coordinator.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        learner.Tell(new HandOverLearner(Checkpoint: false), leaving.Ref);
        Assert.Equal(answer, await leaving.ExpectMsgAsync<LearnerHandedOver>(TimeSpan.FromSeconds(10)));
        Directory.Delete(root, true);
    }

    [Fact(DisplayName = "LearnerActor: a start that cannot succeed (the ledger refuses) is reported to the host as RunFailed, not retried silently")]
    public async Task Failed_start_is_reported()
    {
        NativeTorch.EnsureLoaded();
        var algorithm = AlgorithmSettingsReader.Read(GipoSettings.Load(Path.Combine(AppContext.BaseDirectory, "hocon", "dapo.conf")));
        var task = ReasoningTasks.Get("column-add");
        var setup = new LearnerSetup("spec", algorithm, 3, 0, 1, 0, 1, "cpu", Base, Path.Combine(Path.GetTempPath(), "gipo-unused"), task,
            task.Sample(Split.SftTest, 2, 1), TimeSpan.FromMilliseconds(100));
        var coordinator = CreateTestProbe("coordinator");
        var host = CreateTestProbe("host");
        Sys.ActorOf(LearnerActor.Props(setup, coordinator.Ref, CreateTestProbe().Ref, CreateTestProbe().Ref, host.Ref), "learner");

        await coordinator.ExpectMsgAsync<GetStatus>(TimeSpan.FromSeconds(30));
        coordinator.Reply(new CommandRejected(nameof(GetStatus), "journal written by another run"));
        var failed = await host.ExpectMsgAsync<RunFailed>(TimeSpan.FromSeconds(30));
        Assert.Contains("journal written by another run", failed.Reason);
    }

    [Fact(DisplayName = "LearnerActor: a start whose ledger status does not come in time (a coordinator still recovering) is retried " +
                        "by the back-off supervisor with a warning, not reported as a failed run")]
    public async Task Timed_out_start_is_retried()
    {
        var (settings, algorithm, root, setup) = Arrange();
        var coordinator = CreateTestProbe("coordinator");
        var store = CreateTestProbe("store");
        var host = CreateTestProbe("host");
        Sys.ActorOf(BackoffSupervisor.Props(Backoff.OnFailure(
            LearnerActor.Props(setup with { ExchangeTimeout = TimeSpan.FromSeconds(1) }, coordinator.Ref, store.Ref, CreateTestProbe().Ref,
                               host.Ref, new LearnerFailures()),
            "learner", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 0.2, -1)), "supervisor");

        // The first incarnation's status request goes unanswered: it warns and fails, and the next one asks again.
        await EventFilter.Warning(contains: "the learner could not start yet: the coordinator did not answer within 1 s").ExpectOneAsync(
            TimeSpan.FromSeconds(60), async () => await coordinator.ExpectMsgAsync<GetStatus>(TimeSpan.FromSeconds(30)));
        await coordinator.ExpectMsgAsync<GetStatus>(TimeSpan.FromSeconds(30));
        coordinator.Reply(new RunStatus("spec", new RunLedger(RunSettings.Read(settings).Ledger(algorithm)).Status));
        Assert.Equal(0, (await store.ExpectMsgAsync<PublishWeights>(TimeSpan.FromSeconds(30))).Weights.Version);
        await host.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Directory.Delete(root, true);
    }

    [Fact(DisplayName = "LearnerActor: a step failure of a deterministic kind (ArgumentException) ends the run with its reason; " +
                        "the back-off supervisor does not retry it")]
    public async Task Deterministic_step_failure_ends_the_run()
    {
        var (settings, algorithm, root, setup) = Arrange();
        var coordinator = CreateTestProbe("coordinator");
        var host = CreateTestProbe("host");
        // Supervised as TrainingNode supervises it: a failure that escapes the learner is retried after a back-off.
        Sys.ActorOf(BackoffSupervisor.Props(Backoff.OnFailure(
            LearnerActor.Props(setup, coordinator.Ref, CreateTestProbe().Ref, CreateTestProbe().Ref, host.Ref, new LearnerFailures()),
            "learner", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 0.2, -1)), "supervisor");
        var fresh = new RunLedger(RunSettings.Read(settings).Ledger(algorithm)).Status;
        await coordinator.ExpectMsgAsync<GetStatus>(TimeSpan.FromSeconds(30));
        coordinator.Reply(new RunStatus("spec", fresh));
        await coordinator.ExpectMsgAsync<GetStatus>(TimeSpan.FromSeconds(60)); // the step-0 evaluation's line
        coordinator.Reply(new RunStatus("spec", fresh));
        Assert.Equal(1, (await coordinator.ExpectMsgAsync<NextBatch>(TimeSpan.FromSeconds(30))).LearnerStep);

        // A batch the learner cannot use (no groups): GipoLearner refuses it with an ArgumentException, as it refuses any
        // setting, shape or count it cannot use, and a retry would only fail the same way.
        coordinator.Reply(new TrainBatch(1, 0, [], 0));
        var failed = await host.ExpectMsgAsync<RunFailed>(TimeSpan.FromSeconds(30));
        Assert.Contains("learner step 1 failed with an error that repeats on every retry", failed.Reason);
        Assert.Contains("at least one group", failed.Reason);
        // Not retried: no new incarnation asks the ledger for its status again.
        await coordinator.ExpectNoMsgAsync(TimeSpan.FromSeconds(3));
        Directory.Delete(root, true);
    }
}
