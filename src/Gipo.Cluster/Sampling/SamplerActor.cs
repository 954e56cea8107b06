using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Scoring;
using Gipo.Cluster.Weights;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Rollout;

namespace Gipo.Cluster.Sampling;

/// <summary>
/// Generates groups (docs/architecture.md, "Actors"). It holds a policy copy at a known version and pulls work: it asks
/// the coordinator for a lease only once it has weights (the readiness gate), sending the version it holds so the
/// coordinator's admission control can refuse it when it is too stale. Each lease's G completions use the lease's
/// seed, so a re-issued group reproduces its samples. Generated groups go to the <see cref="RewardScorer"/>.
/// Runs on the pinned torch dispatcher: generation blocks only this actor's own thread. Weights arrive through a
/// <see cref="WeightFetcher"/> child on the default dispatcher, which subscribes to the store and pulls each new
/// version in chunks while this actor generates; loading the verified blob into the model happens here, between
/// generations.
/// </summary>
public sealed class SamplerActor : ReceiveActor, IWithTimers
{
    private const string RetryTimer = "retry";
    private const string ReplyTimer = "reply";

    /// <summary>
    /// How long a work request may go unanswered before it is sent again: a request that reached a coordinator just
    /// before its node died gets no answer, and the proxy delivers the repeat to the successor.
    /// </summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly SamplerSetup setup;
    private readonly IActorRef coordinator;
    private readonly IActorRef scorer;
    private readonly IActorRef fetcher;
    private readonly IActorRef? metrics;
    private readonly List<WorkLease> pending = [];
    private PolicyModel? model;
    private GroupRollout? rollout;
    private long version = -1;
    private bool asking;

    /// <summary>Use <see cref="Props"/>.</summary>
    public SamplerActor(SamplerSetup setup, IActorRef coordinator, IActorRef scorer, IActorRef weightStore, IActorRef? metrics)
    {
        this.setup = setup;
        this.coordinator = coordinator;
        this.scorer = scorer;
        this.metrics = metrics;
        fetcher = Context.ActorOf(WeightFetcher.Props(weightStore, WeightTransferSettings.Create(Context.System)), "weights");

        Receive<WeightsFetched>(m => Load(m.Weights));
        Receive<WorkLease>(OnLease);
        Receive<NoWorkYet>(_ =>
        {
            asking = false;
            Timers.Cancel(ReplyTimer);
            if (pending.Count > 0) GeneratePending();
            else Timers.StartSingleTimer(RetryTimer, AskAgain.Instance, setup.Poll);
        });
        Receive<AskAgain>(_ => Ask());
        Receive<NoReply>(_ =>
        {
            log.Info("{0}: no answer to a work request in {1} s; asking again", Name, ReplyTimeout.TotalSeconds);
            asking = false;
            Ask();
        });
    }

    /// <summary>Props on the pinned torch dispatcher.</summary>
    public static Props Props(SamplerSetup setup, IActorRef coordinator, IActorRef scorer, IActorRef weightStore, IActorRef? metrics) =>
        Akka.Actor.Props.Create(() => new SamplerActor(setup, coordinator, scorer, weightStore, metrics)).WithDispatcher(GipoDispatchers.Torch);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private string Name => Self.Path.Name;

    /// <inheritdoc />
    protected override void PostStop()
    {
        model?.Dispose();
        model = null;
    }

    private void Load(PolicyWeights w)
    {
        model ??= new PolicyModel(setup.Model, TorchRuntime.ResolveDevice(setup.Device));
        w.LoadInto(model); // checks the hash again (cheap beside a generation) and the size against this model
        model.eval();
        rollout ??= new GroupRollout(model, setup.Tokenizer, setup.Task);
        version = w.Version;
        if (pending.Count == 0) Ask();
    }

    private void OnLease(WorkLease lease)
    {
        asking = false;
        Timers.Cancel(ReplyTimer);
        if (lease.GroupSize != setup.GroupSize)
            throw new InvalidOperationException($"lease {lease.GroupId} asks for {lease.GroupSize} samples, this run's G is {setup.GroupSize}");
        if (lease.PromptIndex < 0 || lease.PromptIndex >= setup.Prompts.Count)
            throw new InvalidOperationException($"lease {lease.GroupId}: prompt {lease.PromptIndex} is outside the run's " +
                                                $"{setup.Prompts.Count} prompts");
        pending.Add(lease);
        if (pending.Count >= setup.GroupsPerLease) GeneratePending();
        else Ask();
    }

    private void Ask()
    {
        if (asking || rollout is null) return;
        asking = true;
        coordinator.Tell(new RequestWork(Name, version));
        Timers.StartSingleTimer(ReplyTimer, NoReply.Instance, ReplyTimeout);
    }

    private void GeneratePending()
    {
        var clock = Stopwatch.StartNew();
        var requests = pending.Select(l => new GroupRequest(l.GroupId, setup.Prompts[(int)l.PromptIndex], l.Seed)).ToList();
        var groups = rollout!.Generate(requests, setup.GroupSize, setup.Sampling, version);
        var tokens = 0L;
        for (var i = 0; i < pending.Count; i++)
        {
            scorer.Tell(new ScoreGroup(pending[i].PromptIndex, groups[i]));
            tokens += groups[i].Sum(t => (long)t.ResponseTokens.Length);
        }
        metrics?.Tell(new SamplerProgress(Name, pending.Count, pending.Count * setup.GroupSize, tokens, clock.Elapsed.TotalSeconds));
        if (log.IsDebugEnabled) log.Debug("{0}: generated {1} group(s) at v{2} in {3:F2} s", Name, pending.Count, version,
                                          clock.Elapsed.TotalSeconds);
        pending.Clear();
        Ask();
    }

    private sealed class AskAgain : INoSerializationVerificationNeeded
    {
        public static AskAgain Instance { get; } = new();
    }

    private sealed class NoReply : INoSerializationVerificationNeeded
    {
        public static NoReply Instance { get; } = new();
    }
}
