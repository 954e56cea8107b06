using Akka.Actor;
using Akka.Event;
using Gipo.Cluster.Coordination;
using Gipo.Core.Algorithm;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model.Rollout;

namespace Gipo.Cluster.Scoring;

/// <summary>
/// The outcome verifier of a run (docs/architecture.md, "Actors"). On a generated group it first takes the lease over
/// (<see cref="GenerationDone"/>: the coordinator now watches this actor, not the sampler, which is already generating
/// the next group), then verifies the members off the actor thread under a time limit and reports the
/// <see cref="GroupResult"/>. A verifier that runs past the limit scores every member 0 with the reason, so a
/// pathological output cannot stall the run.
/// <para>
/// The IB confidence of §C is not computed here: its potentials come from the learner's π_prox forward (§D.1, step
/// 1), which is also where the probe trains, so computing it in the scorer would use the behaviour policy's states
/// and a probe one version behind. Protocol: <c>RewardScorerProtocol.cs</c>.
/// </para>
/// </summary>
public sealed class RewardScorer : ReceiveActor, IWithTimers
{
    /// <summary>How often results the coordinator has not acknowledged are sent again, by default.</summary>
    public static readonly TimeSpan DefaultRedelivery = TimeSpan.FromSeconds(5);

    private const string RedeliveryTimer = "redeliver";
    private readonly ILoggingAdapter log = Context.GetLogger();

    // Results sent and not yet acknowledged. A result sent to a coordinator that dies before journaling it would
    // otherwise be lost, and its group would wait for its lease deadline (minutes) after the fail-over. The ledger is
    // idempotent by group id, so a result that did arrive and is sent again is acknowledged as Ignored.
    private readonly Dictionary<long, GroupResult> unacknowledged = [];

    /// <summary>Use <see cref="Props"/>.</summary>
    public RewardScorer(IReasoningTask task, ITextTokenizer tokenizer, IReadOnlyList<Problem> prompts, IActorRef coordinator, TimeSpan timeout,
                        TimeSpan redelivery)
    {
        Receive<ScoreGroup>(m =>
        {
            if (m.Members.Count == 0 || m.PromptIndex < 0 || m.PromptIndex >= prompts.Count)
            {
                log.Warning("dropping a malformed ScoreGroup (group {0}, prompt {1}, {2} members)", m.GroupId, m.PromptIndex, m.Members.Count);
                return;
            }
            coordinator.Tell(new GenerationDone(m.GroupId));
            var problem = prompts[(int)m.PromptIndex];
            var members = m.Members;
            VerifyWithin(timeout, () => OutcomeScoring.Score(task, tokenizer, problem, members), problem, members).PipeTo(Self);
        });
        Receive<Verified>(v =>
        {
            var result = new GroupResult(v.Group);
            unacknowledged[v.Group.GroupId] = result;
            coordinator.Tell(result);
            if (!Timers.IsTimerActive(RedeliveryTimer)) Timers.StartPeriodicTimer(RedeliveryTimer, Redeliver.Instance, redelivery);
        });
        Receive<Redeliver>(_ =>
        {
            if (unacknowledged.Count == 0)
            {
                Timers.Cancel(RedeliveryTimer);
                return;
            }
            log.Info("sending {0} unacknowledged result(s) again", unacknowledged.Count);
            foreach (var result in unacknowledged.Values) coordinator.Tell(result);
        });
        Receive<ResultAck>(a =>
        {
            unacknowledged.Remove(a.GroupId);
            if (a.Outcome == ResultOutcome.Rejected) log.Warning("group {0} rejected by the coordinator: {1}", a.GroupId, a.Reason);
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of a scorer reporting to <paramref name="coordinator"/>; unacknowledged results are sent again every
    /// <paramref name="redelivery"/> (default 5 s).</summary>
    public static Props Props(IReasoningTask task, ITextTokenizer tokenizer, IReadOnlyList<Problem> prompts, IActorRef coordinator,
                              TimeSpan timeout, TimeSpan? redelivery = null)
    {
        var every = redelivery ?? DefaultRedelivery;
        return Akka.Actor.Props.Create(() => new RewardScorer(task, tokenizer, prompts, coordinator, timeout, every));
    }

    /// <summary>
    /// Runs the verifier on the thread pool and waits for it asynchronously (never on the actor's thread): its scored
    /// group, or, when it fails or takes longer than <paramref name="timeout"/>, the group scored as timed out.
    /// </summary>
    private static async Task<Verified> VerifyWithin(TimeSpan timeout, Func<ScoredGroup> score, Problem problem, IReadOnlyList<Trajectory> members)
    {
        var verify = Task.Run(score);
        if (await Task.WhenAny(verify, Task.Delay(timeout)).ConfigureAwait(false) == verify && verify.IsCompletedSuccessfully)
            return new Verified(await verify.ConfigureAwait(false));
        return new Verified(TimedOut(problem, members, verify.Exception?.GetBaseException().Message
            ?? $"verifier exceeded {timeout.TotalSeconds:F1} s"));
    }

    private static ScoredGroup TimedOut(Problem problem, IReadOnlyList<Trajectory> members, string reason) =>
        new(members[0].GroupId, problem.Id, members,
            [.. members.Select(t => new OutcomeScore(t.TrajectoryId, 0, false, $"not verified: {reason}"))], problem.Answer);

    /// <summary>The redelivery timer's tick; local only.</summary>
    private sealed class Redeliver : INoSerializationVerificationNeeded
    {
        public static Redeliver Instance { get; } = new();
    }

    /// <summary>A verification finished (piped back from the thread pool); local only.</summary>
    private sealed record Verified(ScoredGroup Group) : INoSerializationVerificationNeeded;
}
