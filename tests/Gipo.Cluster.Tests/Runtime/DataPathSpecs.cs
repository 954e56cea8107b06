using System.Text.Json.Nodes;
using Akka.Actor;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Sampling;
using Gipo.Cluster.Scoring;
using Gipo.Cluster.Tests.Coordination;
using Gipo.Cluster.Tests.Learning;
using Gipo.Cluster.Weights;
using Gipo.Core.Algorithm;
using Gipo.Core.Tasks;
using Gipo.Core.Verification;
using Gipo.Model.Checkpoints;
using Gipo.Model.Sampling;
using Xunit.Abstractions;

namespace Gipo.Cluster.Tests.Runtime;

/// <summary>
/// The protocols of the data path's actors, each against probes standing in for its peers, with every message
/// serialized (<c>serialize-messages = on</c>): WeightStore, SamplerActor (readiness gate, seeded leases),
/// RewardScorer (lease hand-over, verifier time limit) and MetricsSink (append, rewind).
/// </summary>
public sealed class DataPathSpecs(ITestOutputHelper output) : SqliteTestKit(output)
{
    private static readonly IReasoningTask ColumnAdd = ReasoningTasks.Get("column-add");

    [Fact(DisplayName = "WeightStore: subscribers get a small notice per version and pull it in chunks; only the newest keep-versions are held")]
    public async Task Weight_store_protocol()
    {
        var store = Sys.ActorOf(WeightStore.Props(WeightTransferSettings.Default with { ChunkBytes = 1024, KeepVersions = 2 }), "weight-store");
        var sampler = CreateTestProbe();
        store.Tell(SubscribePolicy.Instance, sampler.Ref);
        await sampler.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200)); // nothing published yet

        var data = new byte[2500];
        new Random(1).NextBytes(data);
        var v1 = new PolicyWeights(1, data, PolicyWeights.HashOf(data));
        store.Tell(new PublishWeights(v1));
        var notice = await sampler.ExpectMsgAsync<PolicyPublished>();
        Assert.Equal((1L, v1.Sha256, 2500L), (notice.Version, notice.Sha256, notice.Bytes));
        Assert.Equal(store, sampler.LastSender); // the notice comes from the store itself, not a proxy
        Assert.EndsWith("/user/weight-store", notice.Location);

        store.Tell(new PullWeightChunk(1, v1.Sha256, 0, 1024), sampler.Ref);
        var first = await sampler.ExpectMsgAsync<WeightChunk>();
        Assert.Equal((1L, 0L, 2500L), (first.Version, first.Offset, first.Total));
        Assert.Equal(data[..1024], first.Data.ToArray());
        store.Tell(new PullWeightChunk(1, v1.Sha256, 2048, 1024), sampler.Ref);
        Assert.Equal(data[2048..], (await sampler.ExpectMsgAsync<WeightChunk>()).Data.ToArray()); // the last chunk is shorter
        store.Tell(new PullWeightChunk(1, v1.Sha256, 0, 2048), sampler.Ref); // more than the store's chunk size
        Assert.Contains("bad pull", (await sampler.ExpectMsgAsync<WeightsUnavailable>()).Reason);
        store.Tell(new PullWeightChunk(1, PolicyWeights.HashOf([9]), 0, 1024), sampler.Ref); // v1 with other contents is not held
        await sampler.ExpectMsgAsync<WeightsUnavailable>();

        foreach (var v in new[] { 2L, 3L }) store.Tell(new PublishWeights(new PolicyWeights(v, [(byte)v], PolicyWeights.HashOf([(byte)v]))));
        Assert.Equal(2, (await sampler.ExpectMsgAsync<PolicyPublished>()).Version);
        Assert.Equal(3, (await sampler.ExpectMsgAsync<PolicyPublished>()).Version);
        store.Tell(new PullWeightChunk(1, v1.Sha256, 0, 1024), sampler.Ref);
        Assert.Equal(3, (await sampler.ExpectMsgAsync<WeightsUnavailable>()).Latest);
        store.Tell(new PullWeightChunk(2, PolicyWeights.HashOf([2]), 0, 1024), sampler.Ref); // the one before the latest is still held
        Assert.Equal(new byte[] { 2 }, (await sampler.ExpectMsgAsync<WeightChunk>()).Data.ToArray());

        // A late subscriber gets the newest version at once.
        var late = CreateTestProbe();
        store.Tell(SubscribePolicy.Instance, late.Ref);
        Assert.Equal(3, (await late.ExpectMsgAsync<PolicyPublished>()).Version);
    }

    [Fact(DisplayName = "PolicyWeights: a corrupt transfer or another model shape is refused before anything is copied")]
    public void Weights_are_hash_and_size_checked()
    {
        using var model = LearnerFixture.Policy();
        var w = PolicyWeights.Export(model, 4);
        var corrupt = w with { Data = [.. w.Data] };
        corrupt.Data[10] ^= 1;
        Assert.Contains("sha256 mismatch", Assert.Throws<InvalidDataException>(() => corrupt.LoadInto(model)).Message);
        var shorter = w.Data[..^4];
        Assert.Contains("model config differs",
            Assert.Throws<InvalidDataException>(() => new PolicyWeights(4, shorter, PolicyWeights.HashOf(shorter)).LoadInto(model)).Message);
        w.LoadInto(model); // the real one loads
    }

    [Fact(DisplayName = "SamplerActor: no work is asked for before weights are loaded; a lease yields G trajectories at the held version " +
                        "with the lease's seed")]
    public async Task Sampler_readiness_gate_and_lease()
    {
        using var teacher = LearnerFixture.Policy();
        var weights = PolicyWeights.Export(teacher, 7);
        var prompts = ColumnAdd.Sample(Split.RlTrain, 4, 1);
        var setup = new SamplerSetup(teacher.Config, LearnerFixture.Tok, ColumnAdd, prompts, 4, new SamplingOptions(MaxNewTokens: 12), 1, "cpu",
                                     TimeSpan.FromMilliseconds(50));
        var coordinator = CreateTestProbe("coordinator");
        var scorer = CreateTestProbe("scorer");
        var store = Sys.ActorOf(WeightStore.Props(), "weight-store");
        var sampler = Sys.ActorOf(SamplerActor.Props(setup, coordinator.Ref, scorer.Ref, store, null), "sampler");

        await coordinator.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300)); // the readiness gate: no weights yet
        store.Tell(new PublishWeights(weights)); // the sampler's fetcher subscribed, pulls the chunks and hands over the verified blob
        var ask = await coordinator.ExpectMsgAsync<RequestWork>(TimeSpan.FromSeconds(20));
        Assert.Equal(7, ask.PolicyVersion);

        sampler.Tell(new WorkLease(41, 2, 12345, 4, 7, DateTime.UtcNow.AddMinutes(5)), coordinator.Ref);
        var group = await scorer.ExpectMsgAsync<ScoreGroup>(TimeSpan.FromSeconds(30));
        Assert.Equal(41, group.GroupId);
        Assert.Equal(2, group.PromptIndex);
        Assert.Equal(4, group.Members.Count);
        Assert.All(group.Members, t => Assert.Equal(7, t.BehaviourVersion));
        // The seed, not the group id, decides the samples: a re-issue (new id, same seed) reproduces them.
        await coordinator.ExpectMsgAsync<RequestWork>();
        sampler.Tell(new WorkLease(99, 2, 12345, 4, 7, DateTime.UtcNow.AddMinutes(5)), coordinator.Ref);
        var again = await scorer.ExpectMsgAsync<ScoreGroup>(TimeSpan.FromSeconds(30));
        Assert.Equal(group.Members.Select(t => t.ResponseTokens), again.Members.Select(t => t.ResponseTokens));
    }

    [Fact(DisplayName = "RewardScorer: takes the lease over, then reports the verified group; a verifier past its time limit scores 0")]
    public async Task Scorer_hands_over_and_times_out()
    {
        var prompts = ColumnAdd.Sample(Split.RlTrain, 2, 3);
        var coordinator = CreateTestProbe("coordinator");
        var members = Members(groupId: 5, prompts[1], ["A:" + prompts[1].Answer + "\n", "A:0\n"]);

        var scorer = Sys.ActorOf(RewardScorer.Props(ColumnAdd, LearnerFixture.Tok, prompts, coordinator.Ref, TimeSpan.FromSeconds(10)));
        scorer.Tell(new ScoreGroup(1, members));
        Assert.Equal(5, (await coordinator.ExpectMsgAsync<GenerationDone>()).GroupId);
        var result = (await coordinator.ExpectMsgAsync<GroupResult>()).Group;
        Assert.Equal(prompts[1].Answer, result.ReferenceAnswer);
        Assert.Equal(2, result.Scores.Count);

        var slow = Sys.ActorOf(RewardScorer.Props(new SlowTask(ColumnAdd, TimeSpan.FromSeconds(5)), LearnerFixture.Tok, prompts, coordinator.Ref,
                                                  TimeSpan.FromMilliseconds(200)));
        slow.Tell(new ScoreGroup(1, members));
        await coordinator.ExpectMsgAsync<GenerationDone>();
        var timedOut = (await coordinator.ExpectMsgAsync<GroupResult>(TimeSpan.FromSeconds(3))).Group;
        Assert.All(timedOut.Scores, s => Assert.Equal(0.0, s.Reward));
        Assert.All(timedOut.Scores, s => Assert.Contains("not verified", s.Reason));
    }

    [Fact(DisplayName = "RewardScorer: a result the coordinator does not acknowledge (it died) is sent again until it is, then no more")]
    public async Task Scorer_redelivers_until_acknowledged()
    {
        var prompts = ColumnAdd.Sample(Split.RlTrain, 2, 3);
        var coordinator = CreateTestProbe("coordinator");
        var scorer = Sys.ActorOf(RewardScorer.Props(ColumnAdd, LearnerFixture.Tok, prompts, coordinator.Ref, TimeSpan.FromSeconds(10),
                                                    TimeSpan.FromMilliseconds(300)));
        scorer.Tell(new ScoreGroup(1, Members(groupId: 9, prompts[1], ["A:" + prompts[1].Answer + "\n", "A:0\n"])));
        await coordinator.ExpectMsgAsync<GenerationDone>();
        var first = await coordinator.ExpectMsgAsync<GroupResult>();
        // No acknowledgement: the same result again, and again.
        Assert.Equal(first.Group.GroupId, (await coordinator.ExpectMsgAsync<GroupResult>(TimeSpan.FromSeconds(3))).Group.GroupId);
        Assert.Equal(9, (await coordinator.ExpectMsgAsync<GroupResult>(TimeSpan.FromSeconds(3))).Group.GroupId);
        // Acknowledged (as a duplicate, even): nothing more.
        coordinator.Reply(new ResultAck(9, ResultOutcome.Ignored, "group 9 is already scored"));
        await Task.Delay(400); // a redelivery already on its way may still arrive
        coordinator.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m as GroupResult);
        await coordinator.ExpectNoMsgAsync(TimeSpan.FromSeconds(1.5));
    }

    [Fact(DisplayName = "MetricsSink: appends one JSON object per step with the samplers' throughput, and a rewind keeps steps up to the checkpoint")]
    public async Task Metrics_sink_appends_and_rewinds()
    {
        var dir = Directory.CreateTempSubdirectory("gipo-metrics-").FullName;
        var file = Path.Combine(dir, "metrics.jsonl");
        var sink = Sys.ActorOf(MetricsSink.Props(file, dir));
        sink.Tell(new SamplerProgress("sampler-0", 2, 16, 300, 0.5));
        for (var step = 0; step <= 5; step++)
            sink.Tell(Line(step, $$"""{"step":{{step}},"policy_version":{{step}},"reward_mean":0.5,"samples_total":{{16 * step}}}"""));
        await AwaitAssertAsync(() => Assert.Equal(6, ReadShared(file).Length));
        Assert.All(ReadShared(file), l => Assert.Contains("\"samples_generated\":16", l));
        File.AppendAllText(file, "{\"step\":6,\"policy_ver"); // a line cut by a kill

        var rewound = await sink.Ask<MetricsRewound>(new RewindMetrics(3));
        Assert.Equal(4, rewound.Lines);
        Assert.Equal(["0", "1", "2", "3"],
                     ReadShared(file).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").ToString()));
        sink.Tell(Line(4, """{"step":4,"policy_version":4,"reward_mean":0.5,"samples_total":64}"""));
        await AwaitAssertAsync(() => Assert.Equal(5, ReadShared(file).Length));
        Directory.Delete(dir, true);
    }

    private static string[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static Trajectory[] Members(long groupId, Problem problem, string[] responses)
    {
        var tok = LearnerFixture.Tok;
        var prompt = tok.Encode(problem.Prompt).ToArray();
        return [.. responses.Select((r, j) =>
        {
            var ids = tok.Encode(r).Append(tok.EosId).ToArray();
            return new Trajectory(groupId * responses.Length + j, groupId, problem.Id, j, prompt, ids, [.. ids.Select(_ => -0.1f)], 0,
                                  FinishReason.Eos);
        })];
    }

    /// <summary>ColumnAdd with a verifier that takes <paramref name="delay"/>.</summary>
    private sealed class SlowTask(IReasoningTask inner, TimeSpan delay) : IReasoningTask
    {
        public string Name => inner.Name;
        public Problem Generate(Split split, Random rng) => inner.Generate(split, rng);
        public IReadOnlyList<Problem> Sample(Split split, int count, int seed) => inner.Sample(split, count, seed);
        public IReadOnlyList<string> Solve(Problem problem, Random rng) => inner.Solve(problem, rng);
        public string? Canonical(Problem problem, string response) => inner.Canonical(problem, response);

        public VerificationResult Verify(Problem problem, string response)
        {
            Thread.Sleep(delay);
            return inner.Verify(problem, response);
        }
    }

    private static MetricsLine Line(long step, string json) => MetricsLineJson.ToMessage(step, JsonNode.Parse(json)!.AsObject());
}
